import type { TopicConfig } from '@fjord/protocol';
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
 * timestamp, retention.bytes by log size). {@link RetentionScheduler.runOnce} is public so
 * tests and tools can trigger a pass.
 */
export class RetentionScheduler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;

  constructor(
    private readonly logs: () => Iterable<RetainedLog>,
    private readonly intervalMs: number,
    private readonly logger: Logger,
    private readonly nowMs: () => number = Date.now,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.runOnce(), this.intervalMs);
    this.timer.unref();
  }

  /** Stops the timer and waits for a pass in progress. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  /** One retention pass over every log; resolves with the number of batches deleted. */
  runOnce(): Promise<number> {
    this.running ??= this.pass().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async pass(): Promise<number> {
    let deleted = 0;
    const now = this.nowMs();
    for (const { log, config, topic } of this.logs()) {
      try {
        const policy = { retentionMs: config['retention.ms'], retentionBytes: config['retention.bytes'] };
        const count = await log.applyRetention(policy, now);
        if (count > 0) {
          this.logger.info(
            {
              topic,
              partition: log.partition,
              batches: count,
              logStartOffset: log.logStartOffset.toString(),
            },
            'retention deleted batches',
          );
        }
        deleted += count;
      } catch (error) {
        this.logger.error({ err: error, topic, partition: log.partition }, 'retention failed');
      }
    }
    return deleted;
  }
}
