/**
 * Free batch buffers for reuse, as Kafka's BufferPool keeps them: a producer allocates one
 * `batchBytes` buffer per batch, and reusing them spares the allocator and the garbage
 * collector a 64 KiB buffer per batch. Only buffers of exactly `batchBytes` are kept, at most
 * `maxFree` of them, so the pool adds a fixed amount to the memory bound.
 */
export class BufferPool {
  readonly #free: Buffer[] = [];

  constructor(
    readonly batchBytes: number,
    readonly maxFree: number,
  ) {}

  /** A buffer of `size` bytes (contents undefined): a pooled one when `size` is batchBytes. */
  allocate(size: number): Buffer {
    if (size === this.batchBytes) {
      const reused = this.#free.pop();
      if (reused) return reused;
    }
    return Buffer.allocUnsafeSlow(size);
  }

  /** Returns a buffer no longer referenced by anything (its batch was answered). */
  free(buffer: Buffer): void {
    if (buffer.length === this.batchBytes && this.#free.length < this.maxFree) this.#free.push(buffer);
  }
}
