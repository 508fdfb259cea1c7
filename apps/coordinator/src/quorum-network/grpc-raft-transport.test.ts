import { createServer } from 'node:net';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { RaftMessage } from '../quorum/raft-messages.js';
import { DEFAULT_MAX_QUEUED_PER_PEER, GrpcRaftTransport } from './grpc-raft-transport.js';

const logger = pino({ level: 'silent' });

/** A port nothing listens on (bound, then closed). */
function deadPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const heartbeat = (from: number, to: number, term = 1): RaftMessage<string> => ({
  type: 'AppendEntries',
  from,
  to,
  term,
  prevLogIndex: 0,
  prevLogTerm: 0,
  entries: [],
  leaderCommit: 0,
  leaderTimeMs: 0,
});

describe('GrpcRaftTransport', () => {
  const transports: Array<GrpcRaftTransport<string>> = [];
  afterEach(() => {
    for (const t of transports.splice(0)) t.close();
  });

  it('keeps at most a bounded queue for a dead peer, dropping the oldest, and never throws', async () => {
    const transport = new GrpcRaftTransport<string>({
      nodeId: 1,
      peers: new Map([[2, `127.0.0.1:${await deadPort()}`]]),
      logger,
      callTimeoutMs: 200,
    });
    transports.push(transport);
    for (let i = 0; i < 3 * DEFAULT_MAX_QUEUED_PER_PEER; i++) transport.send(heartbeat(1, 2, i));
    const queue = (transport as unknown as { queues: Map<number, { queued: string[] }> }).queues.get(2)!;
    expect(queue.queued.length).toBeLessThanOrEqual(DEFAULT_MAX_QUEUED_PER_PEER);
    // The newest messages are the ones kept.
    expect(JSON.parse(queue.queued.at(-1)!).term).toBe(3 * DEFAULT_MAX_QUEUED_PER_PEER - 1);
    expect(transport.dropped).toBeGreaterThanOrEqual(2 * DEFAULT_MAX_QUEUED_PER_PEER - 1);
    // A message to a voter it does not know is ignored.
    expect(() => transport.send(heartbeat(1, 9))).not.toThrow();
  });

  it('hands the core only well-formed messages addressed to it by the caller', () => {
    const transport = new GrpcRaftTransport<string>({
      nodeId: 2,
      peers: new Map([
        [1, '127.0.0.1:1'],
        [3, '127.0.0.1:3'],
      ]),
      logger,
      callTimeoutMs: 200,
    });
    transports.push(transport);
    const received: Array<RaftMessage<string>> = [];
    transport.listen((message) => received.push(message));
    const json = (m: RaftMessage<string>) => JSON.stringify(m);
    transport.deliver({
      from: 1,
      to: 2,
      messages: [
        json(heartbeat(1, 2)),
        'not json',
        json(heartbeat(3, 2)),
        JSON.stringify({ ...heartbeat(1, 2), entries: 'none' }),
        JSON.stringify({ ...heartbeat(1, 2), type: 'Gossip' }),
        JSON.stringify({ ...heartbeat(1, 2), term: '1' }),
        'null',
      ],
    });
    transport.deliver({ from: 1, to: 3, messages: [json(heartbeat(1, 3))] });
    transport.deliver({ from: 7, to: 2, messages: [json(heartbeat(7, 2))] });
    expect(received).toEqual([heartbeat(1, 2)]);
  });
});
