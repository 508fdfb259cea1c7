import { createServer } from 'node:net';
import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AppendEntriesRequest, RaftMessage } from '../quorum/raft-messages.js';
import { VoterEndpoints } from '../quorum/voter-endpoints.js';
import {
  DEFAULT_MAX_CALLS_IN_FLIGHT_PER_PEER,
  DEFAULT_MAX_QUEUED_PER_PEER,
  GrpcRaftTransport,
} from './grpc-raft-transport.js';

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

const heartbeat = (from: number, to: number, term = 1): AppendEntriesRequest<string> => ({
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
      maxCallBytes: 1024 * 1024,
    });
    transports.push(transport);
    for (let i = 0; i < 3 * DEFAULT_MAX_QUEUED_PER_PEER; i++) transport.send(heartbeat(1, 2, i));
    const queue = (transport as unknown as { queues: Map<number, { queued: string[] }> }).queues.get(2)!;
    expect(queue.queued.length).toBeLessThanOrEqual(DEFAULT_MAX_QUEUED_PER_PEER);
    // The newest messages are the ones kept.
    expect(JSON.parse(queue.queued.at(-1)!).term).toBe(3 * DEFAULT_MAX_QUEUED_PER_PEER - 1);
    // All but the queue and the messages of the calls in flight.
    expect(transport.dropped).toBeGreaterThanOrEqual(
      2 * DEFAULT_MAX_QUEUED_PER_PEER - DEFAULT_MAX_CALLS_IN_FLIGHT_PER_PEER,
    );
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
      maxCallBytes: 1024 * 1024,
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
      voterEndpoints: [],
    });
    transport.deliver({ from: 1, to: 3, messages: [json(heartbeat(1, 3))], voterEndpoints: [] });
    transport.deliver({ from: 7, to: 2, messages: [json(heartbeat(7, 2))], voterEndpoints: [] });
    expect(received).toEqual([heartbeat(1, 2)]);
  });

  it('carries a leadership hand-off: TimeoutNow, and votes flagged as its election', () => {
    const transport = new GrpcRaftTransport<string>({
      nodeId: 2,
      peers: new Map([[1, '127.0.0.1:1']]),
      logger,
      callTimeoutMs: 200,
      maxCallBytes: 1024 * 1024,
    });
    transports.push(transport);
    const received: Array<RaftMessage<string>> = [];
    transport.listen((message) => received.push(message));
    const timeoutNow: RaftMessage<string> = { type: 'TimeoutNow', from: 1, to: 2, term: 4 };
    const vote: RaftMessage<string> = {
      type: 'Vote',
      from: 1,
      to: 2,
      term: 5,
      lastLogIndex: 9,
      lastLogTerm: 4,
      leadershipTransfer: true,
    };
    transport.deliver({
      from: 1,
      to: 2,
      messages: [
        JSON.stringify(timeoutNow),
        JSON.stringify(vote),
        JSON.stringify({ ...vote, leadershipTransfer: 'yes' }),
        JSON.stringify({ ...timeoutNow, term: null }),
      ],
      voterEndpoints: [],
    });
    expect(received).toEqual([timeoutNow, vote]);
  });

  it('does not hold a message behind a call still in flight (up to the bound of calls in flight)', async () => {
    const transport = new GrpcRaftTransport<string>({
      nodeId: 1,
      peers: new Map([[2, `127.0.0.1:${await deadPort()}`]]),
      logger,
      callTimeoutMs: 200,
      maxCallBytes: 1024 * 1024,
      maxCallsInFlightPerPeer: 2,
    });
    transports.push(transport);
    const calls: Array<{ terms: number[]; done: (error: null) => void }> = [];
    const clients = (transport as unknown as { clients: { get: (a: string) => unknown } }).clients;
    clients.get = () => ({
      deliver: (request: { messages: string[] }, _options: unknown, done: (error: null) => void) => {
        calls.push({ terms: request.messages.map((m) => JSON.parse(m).term), done });
      },
    });
    transport.send(heartbeat(1, 2, 1));
    // The first call is not answered (a slow peer): the second message leaves anyway ...
    transport.send(heartbeat(1, 2, 2));
    expect(calls.map((c) => c.terms)).toEqual([[1], [2]]);
    // ... and beyond the bound, messages wait and leave together once a call is answered.
    transport.send(heartbeat(1, 2, 3));
    transport.send(heartbeat(1, 2, 4));
    expect(calls).toHaveLength(2);
    calls[0]!.done(null);
    expect(calls.map((c) => c.terms)).toEqual([[1], [2], [3, 4]]);
  });

  it('splits what is queued into calls below maxCallBytes, and drops a message that alone is larger', async () => {
    const transport = new GrpcRaftTransport<string>({
      nodeId: 1,
      peers: new Map([[2, `127.0.0.1:${await deadPort()}`]]),
      logger,
      callTimeoutMs: 200,
      maxCallBytes: 2_000,
      // One call at a time, so that what queues behind it is batched.
      maxCallsInFlightPerPeer: 1,
    });
    transports.push(transport);
    const calls: string[][] = [];
    const clients = (transport as unknown as { clients: { get: (a: string) => unknown } }).clients;
    clients.get = () => ({
      deliver: (request: { messages: string[] }, _options: unknown, done: (error: null) => void) => {
        calls.push(request.messages);
        setImmediate(() => done(null));
      },
    });
    const big = (term: number, size: number): RaftMessage<string> => ({
      ...heartbeat(1, 2, term),
      entries: [{ index: 1, term, command: 'x'.repeat(size) }],
    });
    transport.send(big(1, 100));
    transport.send(big(2, 900));
    transport.send(big(3, 900));
    transport.send(big(4, 5_000));
    transport.send(big(5, 100));
    // Each call is answered on a later tick; on a loaded machine the three take a while.
    await vi.waitFor(() => expect(calls.length).toBeGreaterThanOrEqual(3), { timeout: 5_000 });
    const terms = calls.map((messages) => messages.map((m) => JSON.parse(m).term));
    expect(terms).toEqual([[1], [2], [3, 5]]);
    expect(calls.every((messages) => messages.join('').length <= 2_000)).toBe(true);
    expect(transport.dropped).toBe(1);
  });

  it('announces the voter endpoints with every call and learns them from every call received', async () => {
    const voters = [
      { id: 1, address: '127.0.0.1:7401' },
      { id: 2, address: '127.0.0.1:7402' },
    ];
    const book = (nodeId: number) => new VoterEndpoints({ nodeId, voters: () => voters, incarnation: 5n });
    const sending = book(1);
    sending.setOwn([
      { name: 'INTERNAL', host: '127.0.0.1', port: 7401, securityProtocol: 'PLAINTEXT' },
      { name: 'CLIENT', host: 'node-1.example', port: 9401, securityProtocol: 'PLAINTEXT' },
    ]);
    const transport = new GrpcRaftTransport<string>({
      nodeId: 1,
      peers: new Map([[2, '127.0.0.1:7402']]),
      logger,
      callTimeoutMs: 200,
      maxCallBytes: 1024 * 1024,
      endpoints: sending,
    });
    const receiving = book(2);
    receiving.setOwn([
      { name: 'INTERNAL', host: '127.0.0.1', port: 7402, securityProtocol: 'PLAINTEXT' },
      { name: 'CLIENT', host: 'node-2.example', port: 9402, securityProtocol: 'PLAINTEXT' },
    ]);
    const receiver = new GrpcRaftTransport<string>({
      nodeId: 2,
      peers: new Map([[1, '127.0.0.1:7401']]),
      logger,
      callTimeoutMs: 200,
      maxCallBytes: 1024 * 1024,
      endpoints: receiving,
    });
    transports.push(transport, receiver);
    const clients = (transport as unknown as { clients: { get: (a: string) => unknown } }).clients;
    clients.get = () => ({
      deliver: (
        request: Parameters<GrpcRaftTransport<string>['deliver']>[0],
        _o: unknown,
        done: (e: null) => void,
      ) => {
        receiver.deliver(request);
        setImmediate(() => done(null));
      },
    });
    expect(receiving.addressOn(1, 'CLIENT')).toBeUndefined();
    transport.send(heartbeat(1, 2));
    await vi.waitFor(() => expect(receiving.addressOn(1, 'CLIENT')).toBe('node-1.example:9401'));
    // The quorum listener keeps the --voters address.
    expect(receiving.addressOn(1, 'INTERNAL')).toBe('127.0.0.1:7401');
  });
});
