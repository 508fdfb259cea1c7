/**
 * Lets a waiting poll() return early: a fetch answered, a partition was assigned, sought or
 * resumed, the consumer is closing.
 */
export class Wakeup {
  readonly #waiters = new Set<() => void>();

  /** Resolves after `ms`, or at the next {@link notify}, whichever comes first. */
  wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#waiters.add(done);
    });
  }

  /** Ends every wait in progress. */
  notify(): void {
    for (const waiter of [...this.#waiters]) waiter();
  }
}
