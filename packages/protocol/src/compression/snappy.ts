import { createRequire } from 'node:module';
import { corruptCompressed, decompressionBomb, messageOf } from './limits.js';
import { readUvarint } from './uvarint.js';

interface SnappyBinding {
  compressSync(input: Buffer): Buffer;
  uncompressSync(input: Buffer, options: { asBuffer: true }): Buffer;
}
// napi-rs binding with prebuilt binaries shipped as optional npm packages (no build step).
const snappy = createRequire(import.meta.url)('snappy') as SnappyBinding;

/**
 * Snappy (attribute code 2) in xerial framing, the format Kafka's Java client writes
 * (SnappyOutputStream): the 8-byte magic, version 1, compatible version 1, then chunks of
 * int32 big-endian length + raw snappy block. Readers (Java, librdkafka, ours) accept it.
 */
const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
const XERIAL_HEADER_BYTES = 16;
/** SnappyOutputStream's default block size. */
const XERIAL_BLOCK_BYTES = 32 * 1024;

export function snappyCompress(data: Buffer): Buffer {
  const parts: Buffer[] = [];
  const header = Buffer.alloc(XERIAL_HEADER_BYTES);
  XERIAL_MAGIC.copy(header, 0);
  header.writeInt32BE(1, 8);
  header.writeInt32BE(1, 12);
  parts.push(header);
  for (let pos = 0; pos < data.length; pos += XERIAL_BLOCK_BYTES) {
    const block = snappy.compressSync(data.subarray(pos, pos + XERIAL_BLOCK_BYTES));
    const length = Buffer.allocUnsafe(4);
    length.writeInt32BE(block.length, 0);
    parts.push(length, block);
  }
  return Buffer.concat(parts);
}

/**
 * Reads xerial-framed snappy (Java clients) or a raw snappy block (librdkafka and others
 * write this; Java's reader accepts it too). Every raw block states its uncompressed length
 * up front, so the cap is checked before anything is allocated.
 */
export function snappyDecompress(data: Buffer, maxBytes: number): Buffer {
  if (data.length >= XERIAL_HEADER_BYTES && data.subarray(0, 8).equals(XERIAL_MAGIC)) {
    const blocks: Buffer[] = [];
    let total = 0;
    let pos = XERIAL_HEADER_BYTES;
    while (pos < data.length) {
      if (pos + 4 > data.length) throw corruptCompressed('snappy', `truncated chunk length at byte ${pos}`);
      const length = data.readInt32BE(pos);
      pos += 4;
      if (length < 0 || pos + length > data.length) {
        throw corruptCompressed('snappy', `chunk at byte ${pos - 4} declares ${length} bytes`);
      }
      const block = data.subarray(pos, pos + length);
      pos += length;
      total += declaredLength(block);
      if (total > maxBytes) throw decompressionBomb('snappy', maxBytes, `chunks declare ${total}+ bytes`);
      blocks.push(uncompress(block));
    }
    return Buffer.concat(blocks, total);
  }
  const declared = declaredLength(data);
  if (declared > maxBytes) throw decompressionBomb('snappy', maxBytes, `block declares ${declared} bytes`);
  return uncompress(data);
}

function declaredLength(block: Buffer): number {
  const length = readUvarint(block, 0);
  if (length === null) throw corruptCompressed('snappy', 'block has no valid length preamble');
  return length;
}

function uncompress(block: Buffer): Buffer {
  try {
    return snappy.uncompressSync(block, { asBuffer: true });
  } catch (error) {
    throw corruptCompressed('snappy', messageOf(error), error);
  }
}
