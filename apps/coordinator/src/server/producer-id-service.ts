import { ErrorCode, grpcRequestError, type v1 } from '@fjord/protocol';
import type { Logger } from '@fjord/server-kit';
import { unaryHandlers } from '@fjord/server-kit';
import * as grpc from '@grpc/grpc-js';
import type { PrincipalBounds } from '../limits/principal-bounds.js';
import type { ProducerIdAllocator } from '../producers/producer-id-allocator.js';
import { principalOfCall } from './caller.js';

/**
 * The ProducerIdService implementation: InitProducerId gives a new id with epoch 0, within the
 * caller's producer ids per minute.
 */
export function producerIdServiceHandlers(
  allocator: ProducerIdAllocator,
  logger: Logger,
  bounds?: PrincipalBounds,
): v1.ProducerIdServiceHandlers {
  return unaryHandlers<v1.ProducerIdServiceHandlers>(logger, {
    InitProducerId: async (_request, call) => {
      const refusal = bounds?.takeProducerId(principalOfCall(call));
      if (refusal) {
        throw grpcRequestError(grpc.status.RESOURCE_EXHAUSTED, refusal.errorCode, refusal.errorMessage);
      }
      return {
        errorCode: ErrorCode.NONE,
        errorMessage: '',
        producerId: (await allocator.allocate()).toString(),
        producerEpoch: 0,
      };
    },
  });
}
