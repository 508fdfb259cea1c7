import type { ErrorLogger } from '../logger.js';

/** Options of {@link ScheduledJob}. */
export interface ScheduledJobOptions<T> {
  /** What the job does, for log lines: `liveness check`. */
  name: string;
  /** Pause between the end of one pass and the start of the next; 0 or less: never on its own. */
  intervalMs: number;
  /** One pass. */
  run: () => Promise<T>;
  logger: ErrorLogger;
}

/**
 * A periodic job of a server (liveness checks, retention, ...): runs `run` every
 * `intervalMs` once started. Passes never overlap: {@link runNow} during a pass joins it, and
 * the next timed pass is scheduled only when one ends. A failed pass is logged and the loop
 * goes on. {@link stop} waits for a running pass, so that what the job uses can be closed
 * right after. The timer does not keep the process alive on its own.
 */
export class ScheduledJob<T = void> {
  readonly #options: ScheduledJobOptions<T>;
  #started = false;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<T> | undefined;

  constructor(options: ScheduledJobOptions<T>) {
    this.#options = options;
  }

  /** Starts the periodic passes; a no-op when started already or with an interval of 0. */
  start(): void {
    if (this.#started || this.#options.intervalMs <= 0) return;
    this.#started = true;
    this.#schedule();
  }

  /** Stops the periodic passes and waits for a running one (whose failure it ignores). */
  async stop(): Promise<void> {
    this.#started = false;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#running?.catch(() => undefined);
  }

  /** One pass now, or the running one; resolves with its result (tests, tools, shutdown). */
  runNow(): Promise<T> {
    this.#running ??= Promise.resolve()
      .then(() => this.#options.run())
      .finally(() => {
        this.#running = undefined;
      });
    return this.#running;
  }

  #schedule(): void {
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.runNow()
        .catch((error: unknown) => this.#options.logger.error({ err: error }, `${this.#options.name} failed`))
        .finally(() => {
          if (this.#started) this.#schedule();
        });
    }, this.#options.intervalMs);
    this.#timer.unref();
  }
}
