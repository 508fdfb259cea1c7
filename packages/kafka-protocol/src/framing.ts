import { KafkaProtocolError } from './errors.js';
import { DEFAULT_MAX_FRAME_BYTES } from './limits.js';

/**
 * Splits a TCP byte stream into Kafka frames (int32 size, then that many bytes). The size is
 * checked against the cap as soon as its 4 bytes arrive, before any frame buffer is built,
 * so a client announcing 2 GiB costs nothing.
 */
export class FrameSplitter {
  readonly #maxFrameBytes: () => number;
  #chunks: Buffer[] = [];
  #buffered = 0;
  /** Size of the frame being assembled; -1 until its prefix is complete. */
  #frameSize = -1;

  /**
   * `maxFrameBytes` may be a function, asked at each frame's size prefix: a connection that
   * has not authenticated yet gets a smaller cap (Kafka's sasl.server.max.receive.size).
   */
  constructor(maxFrameBytes: number | (() => number) = DEFAULT_MAX_FRAME_BYTES) {
    this.#maxFrameBytes = typeof maxFrameBytes === 'function' ? maxFrameBytes : () => maxFrameBytes;
  }

  /** Bytes held while waiting for the rest of a frame. */
  get buffered(): number {
    return this.#buffered;
  }

  /** Adds received bytes; returns the frames (without size prefix) they complete. */
  push(chunk: Buffer): Buffer[] {
    if (chunk.length > 0) {
      this.#chunks.push(chunk);
      this.#buffered += chunk.length;
    }
    const frames: Buffer[] = [];
    for (;;) {
      if (this.#frameSize < 0) {
        if (this.#buffered < 4) return frames;
        const size = this.#take(4).readInt32BE(0);
        const max = this.#maxFrameBytes();
        if (size < 0 || size > max) {
          throw new KafkaProtocolError(`frame size ${size} is outside 0..${max} (socket.request.max.bytes)`);
        }
        this.#frameSize = size;
      }
      if (this.#buffered < this.#frameSize) return frames;
      frames.push(this.#take(this.#frameSize));
      this.#frameSize = -1;
    }
  }

  /** Removes and returns the first `bytes` buffered bytes (concatenating only across chunks). */
  #take(bytes: number): Buffer {
    this.#buffered -= bytes;
    const first = this.#chunks[0];
    if (first && first.length >= bytes) {
      if (first.length === bytes) this.#chunks.shift();
      else this.#chunks[0] = first.subarray(bytes);
      return first.subarray(0, bytes);
    }
    const out = Buffer.allocUnsafe(bytes);
    let at = 0;
    while (at < bytes) {
      const chunk = this.#chunks[0]!;
      const n = Math.min(chunk.length, bytes - at);
      chunk.copy(out, at, 0, n);
      at += n;
      if (n === chunk.length) this.#chunks.shift();
      else this.#chunks[0] = chunk.subarray(n);
    }
    return out;
  }
}
