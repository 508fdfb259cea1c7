import { ErrorCode, type v1 } from '@fjord/protocol';
import type { Cluster } from '../cluster/metadata.js';
import { DeliveryTimeoutError, type FjordError, protocolError } from '../errors.js';
import { type Clock, type RetryPolicy, retry } from '../retry.js';
import type { ProducerIdSource } from './idempotence.js';

/**
 * A {@link ProducerIdSource} that asks the coordinator (InitProducerId), retrying while it
 * is unreachable for up to `timeoutMs`: records wait for the id, so a coordinator that is
 * briefly down (restarting) delays them instead of failing them.
 */
export function coordinatorProducerIds(
  cluster: Cluster,
  policy: RetryPolicy,
  timeoutMs: number,
  clock: Clock,
): ProducerIdSource {
  return () =>
    retry(
      async () => {
        const response = await cluster.producerIds<v1.InitProducerIdResponse__Output>(
          (client) => (metadata, options, callback) => client.initProducerId({}, metadata, options, callback),
        );
        if (response.errorCode !== ErrorCode.NONE)
          throw protocolError(response.errorCode, response.errorMessage);
        return { producerId: BigInt(response.producerId), producerEpoch: response.producerEpoch };
      },
      {
        policy,
        deadline: clock.now() + timeoutMs,
        clock,
        exhausted: (last: FjordError, attempts: number) =>
          new DeliveryTimeoutError(
            `could not get a producer id within ${timeoutMs} ms (${attempts} attempts): ${last.message}`,
            { cause: last },
          ),
      },
    );
}
