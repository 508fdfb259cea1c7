import { InvalidArgumentError } from './errors.js';

/** Turns a key or value into bytes before it is written; `null` writes an absent key/value. */
export type Serializer<T> = (data: T, context: { topic: string }) => Buffer | null;

/** Turns stored bytes back into a key or value. Absent keys/values are `null` and skip the deserializer. */
export type Deserializer<T> = (data: Buffer, context: { topic: string; partition: number }) => T;

/** What keys and values may be without a serializer. */
export type RawData = Buffer | Uint8Array | string | null;

/** Bytes of a raw key/value: strings as UTF-8, Buffers as they are, null/undefined as absent. */
export function toBytes(data: unknown, what: string): Buffer | null {
  if (data === null || data === undefined) return null;
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (Buffer.isBuffer(data)) return data;
  if (data instanceof Uint8Array) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  throw new InvalidArgumentError(
    `${what} must be a Buffer, a string or null (got ${typeof data}); pass a serializer for other types`,
  );
}

/** Writes strings as UTF-8 (the default for string keys and values, here for symmetry). */
export const stringSerializer: Serializer<string | null> = (data) =>
  data === null ? null : Buffer.from(data, 'utf8');

/** Reads bytes as a UTF-8 string. */
export const stringDeserializer: Deserializer<string> = (data) => data.toString('utf8');

/** Writes any JSON-serialisable value as UTF-8 JSON. */
export const jsonSerializer: Serializer<unknown> = (data) =>
  data === null ? null : Buffer.from(JSON.stringify(data), 'utf8');

/** Parses UTF-8 JSON. */
export const jsonDeserializer: Deserializer<unknown> = (data) => JSON.parse(data.toString('utf8'));
