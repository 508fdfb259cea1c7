import { ErrorCode } from '@fjord/protocol';
import type { Logger } from 'pino';
import type { CoordinatorApi } from '../cluster/coordinator-client.js';

/**
 * Asks the coordinator to move this broker's leaderships away before it stops (Kafka's
 * controlled shutdown), retrying until none is left or `timeoutMs` passes, then refreshes
 * metadata so the broker answers NOT_LEADER (clients move on) instead of vanishing.
 * Resolves with the number of leaderships left (0 on success).
 */
export async function controlledShutdown(options: {
  brokerId: number;
  brokerEpoch: () => string | null;
  coordinator: CoordinatorApi;
  refreshMetadata: () => Promise<boolean>;
  logger: Logger;
  timeoutMs: number;
}): Promise<number> {
  const { brokerId, coordinator, logger, timeoutMs } = options;
  const deadline = Date.now() + timeoutMs;
  let remaining = -1;
  while (Date.now() < deadline) {
    const epoch = options.brokerEpoch();
    if (epoch === null) break;
    try {
      const response = await coordinator.controlledShutdown({ brokerId, brokerEpoch: epoch });
      if (response.errorCode !== ErrorCode.NONE) {
        logger.warn(
          { errorCode: response.errorCode, error: response.errorMessage },
          'controlled shutdown refused',
        );
        break;
      }
      remaining = response.remainingLeaderships;
      await options.refreshMetadata();
      if (remaining === 0) break;
    } catch (error) {
      logger.warn(
        { err: error instanceof Error ? error.message : String(error) },
        'controlled shutdown call failed',
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  logger.info({ remainingLeaderships: remaining }, 'controlled shutdown complete');
  return remaining;
}
