/** Buffers this large or larger are referenced, not copied (record batches in Fetch answers). */
const ZERO_COPY_MIN_BYTES = 1024;
const SCRATCH_BYTES = 16 * 1024;

/**
 * Accumulates Kafka primitives. Small values go into a scratch buffer; large byte fields are
 * kept by reference, so a Fetch answer hands stored batches to the socket without copying.
 */
export class Writer {
  readonly #chunks: Buffer[] = [];
  #scratch = Buffer.allocUnsafe(SCRATCH_BYTES);
  #start = 0;
  #at = 0;
  #length = 0;

  /** Bytes written so far. */
  get length(): number {
    return this.#length;
  }

  #room(bytes: number): void {
    if (this.#scratch.length - this.#at >= bytes) return;
    this.#flushScratch();
    this.#scratch = Buffer.allocUnsafe(Math.max(SCRATCH_BYTES, bytes));
    this.#start = 0;
    this.#at = 0;
  }

  #flushScratch(): void {
    if (this.#at > this.#start) this.#chunks.push(this.#scratch.subarray(this.#start, this.#at));
    this.#start = this.#at;
  }

  int8(value: number): void {
    this.#room(1);
    this.#at = this.#scratch.writeInt8(value, this.#at);
    this.#length += 1;
  }
  int16(value: number): void {
    this.#room(2);
    this.#at = this.#scratch.writeInt16BE(value, this.#at);
    this.#length += 2;
  }
  uint16(value: number): void {
    this.#room(2);
    this.#at = this.#scratch.writeUInt16BE(value, this.#at);
    this.#length += 2;
  }
  int32(value: number): void {
    this.#room(4);
    this.#at = this.#scratch.writeInt32BE(value, this.#at);
    this.#length += 4;
  }
  uint32(value: number): void {
    this.#room(4);
    this.#at = this.#scratch.writeUInt32BE(value, this.#at);
    this.#length += 4;
  }
  int64(value: bigint): void {
    this.#room(8);
    this.#at = this.#scratch.writeBigInt64BE(value, this.#at);
    this.#length += 8;
  }
  float64(value: number): void {
    this.#room(8);
    this.#at = this.#scratch.writeDoubleBE(value, this.#at);
    this.#length += 8;
  }
  bool(value: boolean): void {
    this.int8(value ? 1 : 0);
  }

  /** Unsigned LEB128 of a value in [0, 2^32). */
  uvarint(value: number): void {
    this.#room(5);
    let rest = value;
    while (rest >= 0x80) {
      this.#scratch[this.#at++] = (rest & 0x7f) | 0x80;
      rest = Math.floor(rest / 128);
      this.#length += 1;
    }
    this.#scratch[this.#at++] = rest;
    this.#length += 1;
  }

  /** Zig-zag signed varint (32-bit). */
  varint(value: number): void {
    this.uvarint(value >= 0 ? value * 2 : -value * 2 - 1);
  }

  bytes(value: Uint8Array): void {
    if (value.length >= ZERO_COPY_MIN_BYTES) {
      this.#flushScratch();
      this.#chunks.push(
        Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.length),
      );
    } else {
      this.#room(value.length);
      this.#scratch.set(value, this.#at);
      this.#at += value.length;
    }
    this.#length += value.length;
  }

  /** Appends what another writer holds (its chunks, by reference). */
  append(other: Writer): void {
    this.#flushScratch();
    this.#chunks.push(...other.chunks());
    this.#length += other.length;
  }

  /** The written bytes as a list of buffers, in order. */
  chunks(): Buffer[] {
    this.#flushScratch();
    return [...this.#chunks];
  }

  /** The written bytes in one buffer. */
  toBuffer(): Buffer {
    const chunks = this.chunks();
    return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, this.#length);
  }
}
