import { ErrorCode, type v1 } from '@fjord/protocol';
import type { Logger } from '@fjord/server-kit';
import { unaryHandlers } from '@fjord/server-kit';
import type { ProducerIdAllocator } from '../producers/producer-id-allocator.js';

/** The ProducerIdService implementation: InitProducerId gives a new id with epoch 0. */
export function producerIdServiceHandlers(
  allocator: ProducerIdAllocator,
  logger: Logger,
): v1.ProducerIdServiceHandlers {
  return unaryHandlers<v1.ProducerIdServiceHandlers>(logger, {
    InitProducerId: async () => ({
      errorCode: ErrorCode.NONE,
      errorMessage: '',
      producerId: (await allocator.allocate()).toString(),
      producerEpoch: 0,
    }),
  });
}
