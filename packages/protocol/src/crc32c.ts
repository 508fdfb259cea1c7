/**
 * CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), as used by Kafka's RecordBatch v2.
 *
 * The broker checks the CRC of every produced batch and the client computes one per batch,
 * so this is on the hot path. Large inputs go to @node-rs/crc32 (SSE4.2 / ARMv8 CRC
 * instructions: ~4.7 GB/s on 128 KiB here, against ~0.8 GB/s for the JavaScript below);
 * small ones stay in JavaScript, where a native call costs more than it saves (measured:
 * native loses at 100 bytes and wins from 1 KiB). The JavaScript version uses slicing-by-8
 * (eight 256-entry tables, eight input bytes per step), several times faster on V8 than the
 * byte-at-a-time loop.
 */
import { createRequire } from 'node:module';

interface Crc32Binding {
  crc32c(input: Buffer, initialState?: number): number;
}

const native = createRequire(import.meta.url)('@node-rs/crc32') as Crc32Binding;

/** From this many bytes on the native binding is faster (see above). */
const NATIVE_MIN_BYTES = 1024;

const POLY = 0x82f63b78;

/** Table t (0..7) lives at [t * 256, t * 256 + 256); table 0 is the classic byte table. */
const TABLES = buildTables();

function buildTables(): Uint32Array {
  const t = new Uint32Array(8 * 256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
    t[i] = c >>> 0;
  }
  // Table k advances a byte through k further zero bytes, so eight lookups fold eight bytes.
  for (let i = 0; i < 256; i++) {
    let c = t[i]!;
    for (let k = 1; k < 8; k++) {
      c = (c >>> 8) ^ t[c & 0xff]!;
      t[k * 256 + i] = c >>> 0;
    }
  }
  return t;
}

/** CRC-32C of `data`, as an unsigned 32-bit integer (e.g. `crc32c("123456789") === 0xe3069283`). */
export function crc32c(data: Uint8Array): number {
  if (data.length < NATIVE_MIN_BYTES) return crc32cPortable(data);
  const buffer = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return native.crc32c(buffer) >>> 0;
}

/** The JavaScript CRC-32C (slicing-by-8); exported so tests hold both versions to the reference. */
export function crc32cPortable(data: Uint8Array): number {
  const t = TABLES;
  let crc = 0xffffffff;
  let i = 0;
  const len = data.length;
  const end8 = len - (len % 8);
  while (i < end8) {
    const a = (crc ^ (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24))) >>> 0;
    const b = data[i + 4]! | (data[i + 5]! << 8) | (data[i + 6]! << 16) | (data[i + 7]! << 24);
    crc =
      t[1792 + (a & 0xff)]! ^
      t[1536 + ((a >>> 8) & 0xff)]! ^
      t[1280 + ((a >>> 16) & 0xff)]! ^
      t[1024 + (a >>> 24)]! ^
      t[768 + (b & 0xff)]! ^
      t[512 + ((b >>> 8) & 0xff)]! ^
      t[256 + ((b >>> 16) & 0xff)]! ^
      t[(b >>> 24) & 0xff]!;
    i += 8;
  }
  while (i < len) {
    crc = (crc >>> 8) ^ t[(crc ^ data[i]!) & 0xff]!;
    i++;
  }
  return (crc ^ 0xffffffff) >>> 0;
}
