import { ErrorCode } from '@fjord/protocol';
import type { Logger } from 'pino';
import type { CoordinatorApi } from '../cluster/coordinator-client.js';

/** Give up when the leaderships left have not dropped for this long. */
export const NO_PROGRESS_MS = 2_000;
/** Give up after this many calls in a row that did not reach the coordinator. */
const MAX_UNREACHABLE = 2;

/**
 * Asks the coordinator to move this broker's leaderships away before it stops (Kafka's
 * controlled shutdown), retrying until none is left or `timeoutMs` passes, then refreshes
 * metadata so the broker answers NOT_LEADER (clients move on) instead of vanishing.
 * It gives up early when waiting cannot help: the coordinator is unreachable (nobody can
 * move anything; it will fence this broker after its session), or the leaderships left have
 * not dropped for {@link NO_PROGRESS_MS} (no other in-sync replica can take them, e.g. the
 * whole cluster is stopping). Resolves with the number of leaderships left (0 on success).
 */
export async function controlledShutdown(options: {
  brokerId: number;
  brokerEpoch: () => string | null;
  coordinator: CoordinatorApi;
  refreshMetadata: () => Promise<boolean>;
  logger: Logger;
  timeoutMs: number;
  /** Default {@link NO_PROGRESS_MS}. */
  noProgressMs?: number;
}): Promise<number> {
  const { brokerId, coordinator, logger, timeoutMs } = options;
  const noProgressMs = options.noProgressMs ?? NO_PROGRESS_MS;
  const deadline = Date.now() + timeoutMs;
  let remaining = -1;
  let unreachable = 0;
  let lastProgressAt = Date.now();
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
      unreachable = 0;
      if (remaining < 0 || response.remainingLeaderships < remaining) lastProgressAt = Date.now();
      remaining = response.remainingLeaderships;
      await options.refreshMetadata();
      if (remaining === 0) break;
      if (Date.now() - lastProgressAt >= noProgressMs) {
        logger.warn({ remainingLeaderships: remaining }, 'no other in-sync replica can take over; stopping');
        break;
      }
    } catch (error) {
      logger.warn(
        { err: error instanceof Error ? error.message : String(error) },
        'controlled shutdown call failed',
      );
      if (++unreachable >= MAX_UNREACHABLE) break;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  logger.info({ remainingLeaderships: remaining }, 'controlled shutdown complete');
  return remaining;
}
