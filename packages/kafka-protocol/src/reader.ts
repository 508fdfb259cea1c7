import { KafkaProtocolError } from './errors.js';

/**
 * Reads Kafka primitives from a buffer, checking every read against the bytes left so that
 * a truncated or lying message fails with {@link KafkaProtocolError} instead of reading past
 * its end.
 */
export class Reader {
  #offset: number;
  readonly #end: number;

  constructor(
    readonly buffer: Buffer,
    offset = 0,
    end = buffer.length,
  ) {
    this.#offset = offset;
    this.#end = end;
  }

  get offset(): number {
    return this.#offset;
  }

  get remaining(): number {
    return this.#end - this.#offset;
  }

  #take(bytes: number, what: string): number {
    if (bytes > this.#end - this.#offset) {
      throw new KafkaProtocolError(`${what} needs ${bytes} bytes but only ${this.remaining} remain`);
    }
    const at = this.#offset;
    this.#offset += bytes;
    return at;
  }

  int8(): number {
    return this.buffer.readInt8(this.#take(1, 'int8'));
  }
  int16(): number {
    return this.buffer.readInt16BE(this.#take(2, 'int16'));
  }
  uint16(): number {
    return this.buffer.readUInt16BE(this.#take(2, 'uint16'));
  }
  int32(): number {
    return this.buffer.readInt32BE(this.#take(4, 'int32'));
  }
  uint32(): number {
    return this.buffer.readUInt32BE(this.#take(4, 'uint32'));
  }
  int64(): bigint {
    return this.buffer.readBigInt64BE(this.#take(8, 'int64'));
  }
  float64(): number {
    return this.buffer.readDoubleBE(this.#take(8, 'float64'));
  }
  bool(): boolean {
    return this.buffer[this.#take(1, 'bool')] !== 0;
  }

  /** Unsigned LEB128 of at most 5 bytes (a 32-bit value), as Kafka's readUnsignedVarint. */
  uvarint(): number {
    let value = 0;
    for (let shift = 0; shift <= 28; shift += 7) {
      const byte = this.buffer[this.#take(1, 'varint')]!;
      value += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) {
        if (value > 0xffffffff) throw new KafkaProtocolError('varint does not fit in 32 bits');
        return value;
      }
    }
    throw new KafkaProtocolError('varint is longer than 5 bytes');
  }

  /** Zig-zag signed varint (32-bit). */
  varint(): number {
    const raw = this.uvarint();
    return raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2;
  }

  /** A view of the next `length` bytes (no copy). */
  bytes(length: number, what = 'bytes'): Buffer {
    const at = this.#take(length, what);
    return this.buffer.subarray(at, at + length);
  }

  skip(length: number, what = 'field'): void {
    this.#take(length, what);
  }

  /** A reader over the next `length` bytes, which this one skips. */
  sub(length: number, what: string): Reader {
    const at = this.#take(length, what);
    return new Reader(this.buffer, at, at + length);
  }
}
