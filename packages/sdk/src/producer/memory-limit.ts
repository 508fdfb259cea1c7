import { BufferExhaustedError } from '../errors.js';

interface Waiter {
  bytes: number;
  weight: number;
  resolve: () => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/**
 * The producer's memory budget (`bufferMemoryBytes`): every batch buffer is reserved here
 * before it is allocated and released when its batch is done. When the budget is spent,
 * reservations wait in FIFO order (so records keep their order) for at most `maxBlockMs`,
 * then fail with BufferExhaustedError. The bytes of waiting reservations are capped by the
 * same budget: beyond that a reservation fails at once, so a caller that never waits cannot
 * make memory grow without bound.
 */
export class MemoryLimit {
  readonly #limit: number;
  readonly #maxBlockMs: number;
  #used = 0;
  #waitingBytes = 0;
  readonly #waiters: Waiter[] = [];
  readonly #idle: Array<() => void> = [];

  constructor(limitBytes: number, maxBlockMs: number) {
    this.#limit = limitBytes;
    this.#maxBlockMs = maxBlockMs;
  }

  get usedBytes(): number {
    return this.#used;
  }

  /** True while reservations wait for memory: the sender then sends batches without lingering. */
  get hasWaiters(): boolean {
    return this.#waiters.length > 0;
  }

  /** Reserves at once if the budget allows and nobody waits; otherwise false. */
  tryReserve(bytes: number): boolean {
    if (this.#waiters.length > 0 || this.#used + bytes > this.#limit) return false;
    this.#used += bytes;
    return true;
  }

  /**
   * Reserves, waiting up to maxBlockMs behind earlier reservations. `weight` is what the
   * waiting call holds meanwhile (its record, not the batch it may open), counted against
   * the cap on waiting bytes.
   */
  reserve(bytes: number, weight = bytes): Promise<void> {
    if (bytes > this.#limit) {
      return Promise.reject(
        new BufferExhaustedError(
          `a batch of ${bytes} bytes can never fit in bufferMemoryBytes (${this.#limit}); raise bufferMemoryBytes`,
        ),
      );
    }
    if (this.tryReserve(bytes)) return Promise.resolve();
    if (this.#waitingBytes + weight > this.#limit) {
      return Promise.reject(
        new BufferExhaustedError(
          `the producer buffer is full (${this.#used} of ${this.#limit} bytes) and ${this.#waitingBytes} bytes ` +
            'of sends already wait for space; await send(), flush() or waitForCapacity() to apply backpressure',
        ),
      );
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        bytes,
        weight,
        resolve,
        reject,
        timer: setTimeout(() => {
          const at = this.#waiters.indexOf(waiter);
          if (at >= 0) this.#waiters.splice(at, 1);
          this.#waitingBytes -= weight;
          reject(
            new BufferExhaustedError(
              `no space in the producer buffer (bufferMemoryBytes ${this.#limit}) within maxBlockMs ${this.#maxBlockMs} ms`,
            ),
          );
          this.#grant();
        }, this.#maxBlockMs),
      };
      this.#waitingBytes += weight;
      this.#waiters.push(waiter);
    });
  }

  /** Returns bytes to the budget and admits waiters in order. */
  release(bytes: number): void {
    this.#used -= bytes;
    this.#grant();
  }

  /** Resolves once less than half the budget is used and nobody waits (immediately if so). */
  waitForCapacity(): Promise<void> {
    if (this.#hasCapacity()) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  #hasCapacity(): boolean {
    return this.#waiters.length === 0 && this.#used * 2 < this.#limit;
  }

  #grant(): void {
    while (this.#waiters.length > 0) {
      const first = this.#waiters[0]!;
      if (this.#used + first.bytes > this.#limit) break;
      this.#waiters.shift();
      clearTimeout(first.timer);
      this.#waitingBytes -= first.weight;
      this.#used += first.bytes;
      first.resolve();
    }
    if (this.#idle.length > 0 && this.#hasCapacity()) {
      for (const resolve of this.#idle.splice(0)) resolve();
    }
  }
}
