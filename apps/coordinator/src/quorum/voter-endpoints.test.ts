import type { v1 } from '@fjord/protocol';
import type { AdvertisedEndpoint } from '@fjord/server-kit';
import { describe, expect, it } from 'vitest';
import { VoterEndpoints } from './voter-endpoints.js';

const VOTERS = [
  { id: 1, address: '10.0.0.1:7400' },
  { id: 2, address: '10.0.0.2:7400' },
  { id: 3, address: '10.0.0.3:7400' },
];

/** Voter `nodeId`'s book; with `bound`, its listeners are set: INTERNAL at its --voters address, then CLIENT. */
function book(nodeId = 1, bound = true): VoterEndpoints {
  const endpoints = new VoterEndpoints({ nodeId, voters: () => VOTERS, incarnation: 100n });
  if (bound) endpoints.setOwn(ownListeners(nodeId));
  return endpoints;
}

function ownListeners(nodeId: number): AdvertisedEndpoint[] {
  return [
    { name: 'INTERNAL', host: `10.0.0.${nodeId}`, port: 7400, securityProtocol: 'SSL' },
    { name: 'CLIENT', host: `node-${nodeId}.example`, port: 9092, securityProtocol: 'SASL_SSL' },
  ];
}

function announced(
  voterId: number,
  incarnation: number,
  listeners: Record<string, string>,
): v1.VoterEndpoints__Output {
  return {
    voterId,
    incarnation: String(incarnation),
    listeners: Object.entries(listeners).map(([name, address]) => {
      const [host, port] = address.split(':');
      return { name, host: host!, port: Number(port), securityProtocol: 'PLAINTEXT' };
    }),
  };
}

describe('VoterEndpoints', () => {
  it('answers a call without a listener, or on the quorum listener, with the --voters address', () => {
    const endpoints = book();
    endpoints.learn(2, [announced(2, 1, { INTERNAL: '192.168.0.2:1', CLIENT: 'two.example:9092' })]);
    expect(endpoints.addressOn(2, undefined)).toBe('10.0.0.2:7400');
    // Even when the voter announced another address there (the --voters one may be a proxy).
    expect(endpoints.addressOn(2, 'INTERNAL')).toBe('10.0.0.2:7400');
  });

  it('takes the listener its own --voters address is on as the quorum listener, else the first', () => {
    const endpoints = book(1, false);
    // INTERNAL listed second: still the one --voters points at.
    endpoints.setOwn([...ownListeners(1)].reverse());
    expect(endpoints.quorumListener).toBe('INTERNAL');
    endpoints.learn(2, [announced(2, 1, { INTERNAL: '10.0.0.2:7400', CLIENT: 'two.example:9092' })]);
    expect(endpoints.addressOn(2, 'CLIENT')).toBe('two.example:9092');
    expect(endpoints.addressOn(2, 'INTERNAL')).toBe('10.0.0.2:7400');
    // --voters points at a proxy, which none of its listeners advertises: the first one.
    endpoints.setOwn([
      { name: 'CLIENT', host: 'node-1.example', port: 9092, securityProtocol: 'PLAINTEXT' },
      { name: 'INTERNAL', host: '127.0.0.1', port: 17400, securityProtocol: 'PLAINTEXT' },
    ]);
    expect(endpoints.quorumListener).toBe('CLIENT');
  });

  it('answers another listener with the address the voter announced on it', () => {
    const endpoints = book();
    endpoints.learn(2, [announced(2, 1, { INTERNAL: '10.0.0.2:7400', CLIENT: 'two.example:9092' })]);
    expect(endpoints.addressOn(2, 'CLIENT')).toBe('two.example:9092');
  });

  it('has no address for a voter without that listener, one not heard from, or an unknown id', () => {
    const endpoints = book();
    endpoints.learn(2, [announced(2, 1, { INTERNAL: '10.0.0.2:7400' })]);
    expect(endpoints.addressOn(2, 'CLIENT')).toBeUndefined();
    // A listener no voter has (the call came in on a listener only this coordinator has).
    expect(endpoints.addressOn(2, 'NO_SUCH_LISTENER')).toBeUndefined();
    expect(endpoints.addressOn(3, 'CLIENT')).toBeUndefined();
    expect(endpoints.addressOn(9, undefined)).toBeUndefined();
    expect(endpoints.addressOn(9, 'CLIENT')).toBeUndefined();
  });

  it('knows its own listeners once set, and announces them first', () => {
    const endpoints = book(2, false);
    expect(endpoints.addressOn(2, 'CLIENT')).toBeUndefined();
    endpoints.learn(1, [announced(1, 7, { CLIENT: 'one.example:9092' })]);
    endpoints.setOwn([
      { name: 'INTERNAL', host: '10.0.0.2', port: 7400, securityProtocol: 'SSL' },
      { name: 'CLIENT', host: '::1', port: 9092, securityProtocol: 'SASL_SSL' },
    ]);
    expect(endpoints.addressOn(2, 'CLIENT')).toBe('[::1]:9092');
    expect(endpoints.announcement().map((a) => [a.voterId, a.incarnation])).toEqual([
      [2, '100'],
      [1, '7'],
    ]);
  });

  it('takes what a voter says of itself over anything, and a relayed one only of a later start', () => {
    const endpoints = book();
    endpoints.learn(3, [announced(2, 50, { CLIENT: 'relayed.example:1' })]);
    expect(endpoints.addressOn(2, 'CLIENT')).toBe('relayed.example:1');
    // Voter 2 itself, restarted on a host whose clock is behind: still wins.
    endpoints.learn(2, [announced(2, 40, { CLIENT: 'direct.example:2' })]);
    expect(endpoints.addressOn(2, 'CLIENT')).toBe('direct.example:2');
    // A relay of an older (or the same) start does not undo it...
    endpoints.learn(3, [announced(2, 40, { CLIENT: 'stale.example:3' })]);
    expect(endpoints.addressOn(2, 'CLIENT')).toBe('direct.example:2');
    // ...a relay of a later start (voter 2 restarted again, with other addresses) does.
    endpoints.learn(3, [announced(2, 60, { CLIENT: 'restarted.example:4' })]);
    expect(endpoints.addressOn(2, 'CLIENT')).toBe('restarted.example:4');
  });

  it('ignores entries about itself and about ids that are not voters', () => {
    const endpoints = book();
    endpoints.setOwn([
      ...ownListeners(1).slice(0, 1),
      { name: 'CLIENT', host: 'me.example', port: 1, securityProtocol: 'PLAINTEXT' },
    ]);
    endpoints.learn(2, [
      announced(1, 999, { CLIENT: 'impostor.example:1' }),
      announced(8, 1, { CLIENT: 'x:1' }),
    ]);
    expect(endpoints.addressOn(1, 'CLIENT')).toBe('me.example:1');
    expect(endpoints.listenersOf(8)).toBeUndefined();
  });

  it('refuses malformed entries with the problem named, keeping what it knew', () => {
    const endpoints = book();
    endpoints.learn(2, [announced(2, 1, { CLIENT: 'two.example:9092' })]);
    const bad = (patch: Partial<v1.ListenerEndpoint__Output>) => ({
      ...announced(2, 2, { CLIENT: 'evil.example:1' }),
      listeners: [{ name: 'CLIENT', host: 'evil.example', port: 1, securityProtocol: 'PLAINTEXT', ...patch }],
    });
    expect(endpoints.learn(2, [bad({ port: 0 })])).toEqual([
      'voter 2: listener CLIENT port must be between 1 and 65535, got 0',
    ]);
    expect(endpoints.learn(2, [bad({ host: ' ' })])).toEqual(['voter 2: listener CLIENT has an empty host']);
    expect(endpoints.learn(2, [bad({ name: 'CLI ENT' })])).toEqual([
      'voter 2: listener name must be letters, digits, "_" and "-", got "CLI ENT"',
    ]);
    expect(endpoints.learn(2, [bad({ securityProtocol: 'TLS' })])).toEqual([
      'voter 2: listener CLIENT has unknown security protocol "TLS"',
    ]);
    expect(endpoints.learn(2, [{ ...announced(2, 3, {}), incarnation: 'soon' }])).toEqual([
      'voter 2: incarnation must be an integer, got "soon"',
    ]);
    expect(endpoints.addressOn(2, 'CLIENT')).toBe('two.example:9092');
  });
});
