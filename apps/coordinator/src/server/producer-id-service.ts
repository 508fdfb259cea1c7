import { ErrorCode, type v1 } from '@fjord/protocol';
import type { Logger } from '../logger.js';
import type { ProducerIdAllocator } from '../producers/producer-id-allocator.js';
import { unaryHandler } from './unary-handler.js';

/** The ProducerIdService implementation: InitProducerId gives a new id with epoch 0. */
export function producerIdServiceHandlers(
  allocator: ProducerIdAllocator,
  logger: Logger,
): v1.ProducerIdServiceHandlers {
  return {
    InitProducerId: unaryHandler(
      logger,
      'InitProducerId',
      async (): Promise<v1.InitProducerIdResponse> => ({
        errorCode: ErrorCode.NONE,
        errorMessage: '',
        producerId: (await allocator.allocate()).toString(),
        producerEpoch: 0,
      }),
    ),
  };
}
