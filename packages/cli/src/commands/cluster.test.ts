import { describe, expect, it } from 'vitest';
import { type ClusterView, clusterJson, renderCluster } from './cluster.js';

const view: ClusterView = {
  quorum: {
    leaderId: 2,
    term: 7,
    commitIndex: 120,
    coordinators: [
      { id: 1, address: '127.0.0.1:7400', leader: false, logEnd: 118, lag: 2 },
      { id: 2, address: '127.0.0.1:7401', leader: true, logEnd: 120, lag: 0 },
      { id: 3, address: '127.0.0.1:7402', leader: false, logEnd: -1, lag: -1 },
    ],
  },
  cluster: {
    clusterId: 'c-1',
    coordinator: '127.0.0.1:7401',
    brokers: [{ id: 1, host: '127.0.0.1', port: 7403, alive: true }],
    underReplicated: [],
  },
};

describe('fjord cluster', () => {
  it('shows each coordinator with its role, log end and lag, then the brokers', () => {
    expect(renderCluster(view)).toBe(
      [
        'Cluster: c-1  Coordinator leader: 2 (127.0.0.1:7401)  Term: 7',
        '  COORDINATOR  ADDRESS         ROLE      LOG END  LAG',
        '  1            127.0.0.1:7400  follower  118      2',
        '  2            127.0.0.1:7401  leader    120      0',
        '  3            127.0.0.1:7402  follower  ?        ?',
        '  BROKER  ADDRESS         STATE',
        '  1       127.0.0.1:7403  alive',
        'Under-replicated partitions: none',
      ].join('\n'),
    );
  });

  it('shows ? for a coordinator without an address on the listener asked through', () => {
    const noClientListener = {
      ...view,
      quorum: {
        ...view.quorum,
        coordinators: view.quorum.coordinators.map((c) => (c.id === 2 ? { ...c, address: '' } : c)),
      },
    };
    const text = renderCluster(noClientListener);
    expect(text).toContain('Coordinator leader: 2 (?)');
    expect(text).toMatch(/^ {2}2 +\? +leader/m);
  });

  it('says so while no coordinator leads', () => {
    const electing = {
      ...view,
      quorum: {
        ...view.quorum,
        leaderId: -1,
        coordinators: view.quorum.coordinators.map((c) => ({ ...c, leader: false })),
      },
    };
    expect(renderCluster(electing)).toContain('Coordinator leader: none (an election is running)');
  });

  it('--json has coordinators with id, address, leader, logEnd and lag, and brokers', () => {
    const json = clusterJson(view);
    expect(json.coordinators[1]).toEqual({
      id: 2,
      address: '127.0.0.1:7401',
      leader: true,
      logEnd: 120,
      lag: 0,
    });
    expect(json.brokers).toEqual([{ id: 1, address: '127.0.0.1:7403', alive: true }]);
  });
});
