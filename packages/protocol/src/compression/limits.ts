import { ErrorCode, ProtocolError } from '../errors.js';

/**
 * The error for a batch whose records would decompress to more than the cap (the topic's
 * max.message.bytes): a small batch must never expand into gigabytes in a broker or consumer.
 */
export function decompressionBomb(codec: string, limit: number, detail: string): ProtocolError {
  return new ProtocolError(
    ErrorCode.MESSAGE_TOO_LARGE,
    `${codec} records decompress to more than the limit of ${limit} bytes (max.message.bytes): ${detail}`,
  );
}

/** The error for compressed bytes that the codec cannot read. */
export function corruptCompressed(codec: string, detail: string, cause?: unknown): ProtocolError {
  return new ProtocolError(ErrorCode.CORRUPT_MESSAGE, `${codec} records cannot be decompressed: ${detail}`, {
    cause,
  });
}

/** The message of anything thrown, for error details. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

const SKIPPABLE_MASK = 0xfffffff0;
const SKIPPABLE_MAGIC = 0x184d2a50;

/**
 * LZ4 and zstd frames share one convention for skippable frames (magic 0x184D2A5?, a 4-byte
 * little-endian size, then that many bytes): returns where the skippable frame that starts at
 * `pos` ends, or undefined when `pos` starts another kind of frame. `pos` has 4 bytes.
 */
export function skippableFrameEnd(codec: string, data: Buffer, pos: number): number | undefined {
  if ((data.readUInt32LE(pos) & SKIPPABLE_MASK) >>> 0 !== SKIPPABLE_MAGIC) return undefined;
  if (pos + 8 > data.length) throw corruptCompressed(codec, `truncated skippable frame at byte ${pos}`);
  return pos + 8 + data.readUInt32LE(pos + 4);
}
