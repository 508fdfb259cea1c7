import { randomBytes } from 'node:crypto';

/** Bytes at the start of a stamped value that hold its intended send time (float64, ms). */
export const STAMP_BYTES = 8;

/** `count` values of `size` random bytes, reused for every send of a throughput run. */
export function fixedValues(count: number, size: number): Buffer[] {
  return Array.from({ length: count }, () => randomBytes(size));
}

/** Records per send so that one send carries about `batchBytes` of values. */
export function recordsPerBatch(batchBytes: number, size: number): number {
  return Math.max(1, Math.floor(batchBytes / size));
}

/** A value of `size` bytes starting with `intendedMs` (performance.now() time base). */
export function stampedValue(template: Buffer, intendedMs: number): Buffer {
  const value = Buffer.allocUnsafe(template.length);
  template.copy(value);
  value.writeDoubleLE(intendedMs, 0);
  return value;
}

/** The intended send time written by {@link stampedValue}, or NaN for a value too short. */
export function readStamp(value: Buffer): number {
  return value.length >= STAMP_BYTES ? value.readDoubleLE(0) : Number.NaN;
}

export function mib(bytes: number): number {
  return bytes / (1024 * 1024);
}
