import type { RaftMessage } from './raft-messages.js';

/**
 * How voters reach each other. Delivery is best effort: a message may be lost, duplicated,
 * delayed or reordered, and Raft copes with all of it. The production implementation (a
 * gRPC stream per peer) comes with the coordinator wiring; the simulation has its own.
 */
export interface RaftTransport<C> {
  /** Sends `message` to voter `message.to`; never throws for an unreachable peer. */
  send(message: RaftMessage<C>): void;
  /** Registers the one handler incoming messages for this voter go to. */
  listen(handler: (message: RaftMessage<C>) => void): void;
}
