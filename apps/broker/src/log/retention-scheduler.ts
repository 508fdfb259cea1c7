import type { TopicConfig } from '@fjord/protocol';
import { ScheduledJob } from '@fjord/server-kit';
import type { Logger } from 'pino';
import type { PartitionLog } from './partition-log.js';

/** A log with the topic config that decides its retention. */
export interface RetainedLog {
  log: PartitionLog;
  config: TopicConfig;
  topic: string;
}

/**
 * Runs retention over every hosted partition every `intervalMs` (retention.ms by batch max
 * timestamp, retention.bytes by log size); {@link ScheduledJob.runNow} runs a pass at once
 * and resolves with the number of batches deleted.
 */
export class RetentionScheduler extends ScheduledJob<number> {
  constructor(
    logs: () => Iterable<RetainedLog>,
    intervalMs: number,
    logger: Logger,
    nowMs: () => number = Date.now,
  ) {
    super({ name: 'retention', intervalMs, logger, run: () => applyRetention(logs(), nowMs(), logger) });
  }
}

/** One retention pass; a partition that fails is logged and the others still run. */
async function applyRetention(logs: Iterable<RetainedLog>, now: number, logger: Logger): Promise<number> {
  let deleted = 0;
  for (const { log, config, topic } of logs) {
    try {
      const policy = { retentionMs: config['retention.ms'], retentionBytes: config['retention.bytes'] };
      const count = await log.applyRetention(policy, now);
      if (count > 0) {
        logger.info(
          { topic, partition: log.partition, batches: count, logStartOffset: log.logStartOffset.toString() },
          'retention deleted batches',
        );
      }
      deleted += count;
    } catch (error) {
      logger.error({ err: error, topic, partition: log.partition }, 'retention failed');
    }
  }
  return deleted;
}
