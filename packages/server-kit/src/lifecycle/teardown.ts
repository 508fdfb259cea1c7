import type { ErrorLogger } from '../logger.js';

interface Step {
  name: string;
  cleanup: () => void | Promise<void>;
}

/**
 * The cleanup of a starting server, as a stack: each resource registers its cleanup right
 * where it is created, and {@link run} undoes them in reverse order. A start that fails
 * half-way and a later stop() run the same stack, so no resource is forgotten on one path.
 */
export class Teardown {
  readonly #logger: ErrorLogger;
  readonly #steps: Step[] = [];
  #running: Promise<void> | undefined;

  constructor(logger: ErrorLogger) {
    this.#logger = logger;
  }

  /** Registers the cleanup of what was just created (`name` appears in the log if it fails). */
  add(name: string, cleanup: () => void | Promise<void>): void {
    if (this.#running) throw new Error(`teardown: "${name}" registered after the teardown began`);
    this.#steps.push({ name, cleanup });
  }

  /**
   * Runs every cleanup, last registered first, each after the previous one finished. A failed
   * step is logged and the rest still run; the result then rejects naming the failed steps.
   * Runs once: later calls return the same promise.
   */
  run(): Promise<void> {
    this.#running ??= this.#runSteps();
    return this.#running;
  }

  async #runSteps(): Promise<void> {
    const failed: string[] = [];
    for (const step of [...this.#steps].reverse()) {
      try {
        await step.cleanup();
      } catch (error) {
        failed.push(step.name);
        this.#logger.error({ err: error, step: step.name }, 'cleanup failed');
      }
    }
    if (failed.length > 0) throw new Error(`cleanup failed: ${failed.join(', ')}`);
  }
}

/**
 * Runs a server's start with a fresh {@link Teardown}. When the start throws, the teardown
 * runs (undoing what was created so far) and the start's error is rethrown; otherwise the
 * started server keeps the teardown for its stop().
 */
export async function startWithTeardown<T>(
  logger: ErrorLogger,
  start: (teardown: Teardown) => Promise<T>,
): Promise<T> {
  const teardown = new Teardown(logger);
  try {
    return await start(teardown);
  } catch (error) {
    // A cleanup failure is logged by the teardown; the cause of the failed start matters more.
    await teardown.run().catch(() => undefined);
    throw error;
  }
}
