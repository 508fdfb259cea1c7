import { type ChannelSecurity, loadFjordProto, type v1 } from '@fjord/protocol';
import { GrpcClientPool, type Logger } from '@fjord/server-kit';
import type { RaftMessage } from '../quorum/raft-messages.js';
import type { RaftTransport } from '../quorum/raft-transport.js';
import type { VoterEndpoints } from '../quorum/voter-endpoints.js';
import { isRaftMessage } from './raft-message-shape.js';

export interface GrpcRaftTransportOptions {
  /** This voter's id (the `from` of what it sends). */
  nodeId: number;
  /** Every other voter's id and the address its QuorumService listens on. */
  peers: ReadonlyMap<number, string>;
  logger: Logger;
  /**
   * Deadline of one Deliver call: a peer that does not answer within it is treated as having
   * lost the batch. Calls to one peer do not wait for each other (up to
   * `maxCallsInFlightPerPeer`), so a slow one delays only its own messages.
   */
  callTimeoutMs: number;
  /** Messages kept per peer while calls are in flight; beyond it the oldest are dropped. */
  maxQueuedPerPeer?: number;
  /** Calls in flight at once per peer (default {@link DEFAULT_MAX_CALLS_IN_FLIGHT_PER_PEER}). */
  maxCallsInFlightPerPeer?: number;
  /**
   * Most message bytes one call carries: below the peers' `--max-request-bytes`, which would
   * refuse a larger call whole. A single message above it (a snapshot of a huge state) cannot
   * be sent at all: it is dropped and logged.
   */
  maxCallBytes: number;
  /** How this voter dials the others (`--security-inter-broker-protocol`); default PLAINTEXT. */
  security?: ChannelSecurity;
  /**
   * The voters' listener endpoints: announced with every call sent, and updated from every
   * call received (see {@link VoterEndpoints}). Without it, calls carry none.
   */
  endpoints?: VoterEndpoints;
}

/** Default of {@link GrpcRaftTransportOptions.maxQueuedPerPeer}: a few heartbeat rounds' worth. */
export const DEFAULT_MAX_QUEUED_PER_PEER = 256;

/**
 * Default of {@link GrpcRaftTransportOptions.maxCallsInFlightPerPeer}. With one call at a time,
 * every message waited for the previous call's whole round trip before its own: on a loaded
 * machine (round trips of 100s of ms) a vote or a heartbeat arrived two round trips late,
 * leaders lost their majority's acknowledgments within the election timeout and stepped down,
 * and votes missed their round. Calls on one channel share its HTTP/2 connection, so they
 * arrive in the order sent.
 */
export const DEFAULT_MAX_CALLS_IN_FLIGHT_PER_PEER = 4;

interface PeerQueue {
  address: string;
  queued: string[];
  /** Calls sent and not answered yet. */
  inFlight: number;
  /** Whether the last call failed, so a peer that stays down is logged once, not per call. */
  failing: boolean;
  /** The last problem of its endpoint announcements, so a bad one is logged once, not per call. */
  endpointsProblem?: string;
}

/**
 * {@link RaftTransport} over QuorumService/Deliver on each voter's client port. Per peer, a few
 * calls are in flight at a time and whatever the core sent while they all are goes in the next
 * call, in order; the queue is bounded and drops its oldest messages when full (Raft resends what
 * matters: heartbeats carry the log position, elections retry), so a dead or slow peer costs
 * at most `maxQueuedPerPeer` messages of memory. Sending never throws.
 */
export class GrpcRaftTransport<C> implements RaftTransport<C> {
  private readonly clients: GrpcClientPool<v1.QuorumServiceClient>;
  private readonly queues = new Map<number, PeerQueue>();
  private readonly maxQueued: number;
  private readonly maxInFlight: number;
  private handler: ((message: RaftMessage<C>) => void) | undefined;
  private closed = false;
  /** Messages dropped because a peer's queue was full (for metrics). */
  dropped = 0;

  constructor(private readonly options: GrpcRaftTransportOptions) {
    this.clients = new GrpcClientPool({
      service: loadFjordProto().fjord.v1.QuorumService,
      // A restarted voter is reached again within a heartbeat or two.
      reconnectBackoffMs: { initial: 50, max: 500 },
      security: options.security,
    });
    this.maxQueued = options.maxQueuedPerPeer ?? DEFAULT_MAX_QUEUED_PER_PEER;
    this.maxInFlight = options.maxCallsInFlightPerPeer ?? DEFAULT_MAX_CALLS_IN_FLIGHT_PER_PEER;
    for (const [id, address] of options.peers) {
      this.queues.set(id, { address, queued: [], inFlight: 0, failing: false });
    }
  }

  send(message: RaftMessage<C>): void {
    const peer = this.queues.get(message.to);
    if (!peer || this.closed) return;
    peer.queued.push(JSON.stringify(message));
    if (peer.queued.length > this.maxQueued) {
      const excess = peer.queued.length - this.maxQueued;
      peer.queued.splice(0, excess);
      this.dropped += excess;
    }
    this.pump(message.to, peer);
  }

  listen(handler: (message: RaftMessage<C>) => void): void {
    this.handler = handler;
  }

  /**
   * Hands what a Deliver call brought to the core. Messages not addressed to this voter, whose
   * sender is not the caller, or that are not well-formed Raft messages are ignored (the core
   * checks its voters, too).
   */
  deliver(request: v1.DeliverRequest__Output): void {
    const sender = this.queues.get(request.from);
    if (this.closed || request.to !== this.options.nodeId || !sender) return;
    this.learnEndpoints(request, sender);
    for (const text of request.messages) {
      let message: unknown;
      try {
        message = JSON.parse(text);
      } catch {
        message = undefined;
      }
      if (!isRaftMessage(message)) {
        this.options.logger.warn({ from: request.from }, 'malformed quorum message: ignored');
        continue;
      }
      if (message.from !== request.from || message.to !== this.options.nodeId) continue;
      this.handler?.(message as RaftMessage<C>);
    }
  }

  private learnEndpoints(request: v1.DeliverRequest__Output, sender: PeerQueue): void {
    const { endpoints } = this.options;
    if (!endpoints) return;
    const [problem] = endpoints.learn(request.from, request.voterEndpoints);
    if (problem !== undefined && problem !== sender.endpointsProblem) {
      this.options.logger.warn({ from: request.from, problem }, 'malformed voter endpoints: ignored');
    }
    sender.endpointsProblem = problem;
  }

  /** Stops sending and closes the channels; later messages are dropped. */
  close(): void {
    this.closed = true;
    this.clients.close();
  }

  private pump(peerId: number, peer: PeerQueue): void {
    if (peer.inFlight >= this.maxInFlight || this.closed) return;
    const messages: string[] = [];
    let bytes = 0;
    while (peer.queued.length > 0) {
      const next = peer.queued[0]!;
      if (next.length > this.options.maxCallBytes) {
        peer.queued.shift();
        this.dropped++;
        this.options.logger.error(
          { peer: peerId, bytes: next.length, maxCallBytes: this.options.maxCallBytes },
          'quorum message larger than a call may carry: dropped (raise --max-request-bytes on every coordinator)',
        );
        continue;
      }
      if (messages.length > 0 && bytes + next.length > this.options.maxCallBytes) break;
      messages.push(peer.queued.shift()!);
      bytes += next.length;
    }
    if (messages.length === 0) return;
    peer.inFlight++;
    const client = this.clients.get(peer.address);
    client.deliver(
      {
        from: this.options.nodeId,
        to: peerId,
        messages,
        voterEndpoints: this.options.endpoints?.announcement() ?? [],
      },
      { deadline: Date.now() + this.options.callTimeoutMs },
      (error) => {
        peer.inFlight--;
        if (error && !peer.failing) {
          this.options.logger.warn(
            { peer: peerId, address: peer.address, err: error.message },
            'quorum peer unreachable (messages to it are dropped until it answers)',
          );
        } else if (!error && peer.failing) {
          this.options.logger.info({ peer: peerId, address: peer.address }, 'quorum peer reachable again');
        }
        peer.failing = error !== null && error !== undefined;
        if (error) this.dropped += messages.length;
        this.pump(peerId, peer);
      },
    );
  }
}
