import type { v1 } from '@fjord/protocol';
import { type Logger, unaryHandlers } from '@fjord/server-kit';
import type { GrpcRaftTransport } from './grpc-raft-transport.js';

/** The QuorumService implementation: Deliver hands the messages to this voter's Raft core. */
export function quorumServiceHandlers(
  transport: Pick<GrpcRaftTransport<unknown>, 'deliver'>,
  logger: Logger,
): v1.QuorumServiceHandlers {
  return unaryHandlers<v1.QuorumServiceHandlers>(logger, {
    Deliver: (request) => {
      transport.deliver(request);
      return {};
    },
  });
}
