import type { Logger } from 'pino';
import type { CoordinatorApi } from '../cluster/coordinator-client.js';
import type { LogStore } from '../log/store.js';
import { controlledShutdown } from './controlled-shutdown.js';

/** How long the hand-over after a storage failure may take when SIGTERM hand-over is off (0). */
export const STORAGE_FAILURE_HAND_OVER_MS = 10_000;

/** Options of {@link handOverLeadershipsOnStorageFailure}. */
export interface StorageFailureOptions {
  brokerId: number;
  brokerEpoch: () => string | null;
  coordinator: CoordinatorApi;
  refreshMetadata: () => Promise<boolean>;
  logger: Logger;
  /** How long the hand-over may take (the controlled-shutdown timeout). */
  timeoutMs: number;
  /** Counts one failed write (the broker's storage-failure metric). */
  countFailure: () => void;
}

/** What {@link handOverLeadershipsOnStorageFailure} started. */
export interface StorageFailureWatch {
  /**
   * Resolves with the leaderships left after the hand-over (0 when every one moved), or
   * null while no write has failed.
   */
  whenHandedOver(): Promise<number | null>;
  /** Stops watching. */
  stop(): void;
}

/**
 * Watches the broker's LevelDB: after the first failed write (disk full, I/O error) this
 * broker can no longer append, so it gives its leaderships to other in-sync replicas through
 * the controlled-shutdown path, and leaves the ISRs that keep another member. The
 * coordinator then keeps it out of leadership (in controlled shutdown) until the process
 * restarts and registers again; the broker keeps running and answers NOT_LEADER_OR_FOLLOWER
 * or KAFKA_STORAGE_ERROR, so clients move on. One store holds every partition, so a failed
 * write concerns them all.
 */
export function handOverLeadershipsOnStorageFailure(
  store: LogStore,
  options: StorageFailureOptions,
): StorageFailureWatch {
  let handOver: Promise<number> | undefined;
  const stop = store.onWriteFailure((error) => {
    options.countFailure();
    if (handOver) return;
    options.logger.error(
      { err: error, brokerId: options.brokerId },
      'storage write failed: handing this broker’s leaderships to other in-sync replicas',
    );
    handOver = controlledShutdown(options).catch((handOverError: unknown) => {
      options.logger.error({ err: handOverError }, 'handing over leaderships after a storage failure failed');
      return -1;
    });
  });
  return {
    whenHandedOver: async () => (handOver ? await handOver : null),
    stop,
  };
}
