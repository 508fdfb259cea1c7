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
