import { createRequire } from 'node:module';
import { corruptCompressed, decompressionBomb, messageOf, skippableFrameEnd } from './limits.js';

interface Lz4Binding {
  compressFrameSync(input: Buffer): Buffer;
  decompressFrameSync(input: Buffer): Buffer;
}
// napi-rs binding of lz4_flex with prebuilt binaries shipped as optional npm packages.
const lz4 = createRequire(import.meta.url)('lz4-napi') as Lz4Binding;

/**
 * LZ4 (attribute code 3) in the LZ4 frame format, which is what Kafka stores for magic 2
 * (KafkaLZ4BlockOutputStream, with the header checksum fixed by KIP-57). lz4_flex writes
 * independent blocks without content size or checksums, which Kafka's reader accepts.
 */
export function lz4Compress(data: Buffer): Buffer {
  return lz4.compressFrameSync(data);
}

const FRAME_MAGIC = 0x184d2204;
const BLOCK_MAX_BYTES: Record<number, number> = { 4: 64 << 10, 5: 256 << 10, 6: 1 << 20, 7: 4 << 20 };

/**
 * Decompresses after bounding the output from the frame's block headers: every compressed
 * block yields at most the frame's block maximum. Encoders fill every block but the last,
 * so a frame whose bound exceeds `maxBytes` by more than one block is refused before any
 * decompression; the output is checked exactly afterwards.
 */
export function lz4Decompress(data: Buffer, maxBytes: number): Buffer {
  const bound = lz4OutputBound(data);
  if (bound.bytes - bound.lastBlockMax > maxBytes) {
    throw decompressionBomb('lz4', maxBytes, `frame blocks can expand to ${bound.bytes} bytes`);
  }
  let out: Buffer;
  try {
    out = lz4.decompressFrameSync(data);
  } catch (error) {
    throw corruptCompressed('lz4', messageOf(error), error);
  }
  if (out.length > maxBytes) throw decompressionBomb('lz4', maxBytes, `frame holds ${out.length} bytes`);
  return out;
}

/** Upper bound of the decompressed size from the frame structure (all frames of the input). */
export function lz4OutputBound(data: Buffer): { bytes: number; lastBlockMax: number } {
  let pos = 0;
  let bytes = 0;
  let lastBlockMax = 0;
  const need = (n: number, what: string): void => {
    if (pos + n > data.length) throw corruptCompressed('lz4', `truncated ${what} at byte ${pos}`);
  };
  while (pos < data.length) {
    need(4, 'frame magic');
    const skippedTo = skippableFrameEnd('lz4', data, pos);
    if (skippedTo !== undefined) {
      pos = skippedTo;
      continue;
    }
    const magic = data.readUInt32LE(pos);
    if (magic !== FRAME_MAGIC) throw corruptCompressed('lz4', `bad frame magic 0x${magic.toString(16)}`);
    need(7, 'frame descriptor');
    const flg = data[pos + 4]!;
    const blockMax = BLOCK_MAX_BYTES[(data[pos + 5]! >> 4) & 0x07];
    if (blockMax === undefined) throw corruptCompressed('lz4', 'bad block maximum size');
    const blockChecksum = (flg & 0x10) !== 0;
    const contentChecksum = (flg & 0x04) !== 0;
    pos += 4 + 2 + (flg & 0x08 ? 8 : 0) + (flg & 0x01 ? 4 : 0) + 1;
    for (;;) {
      need(4, 'block size');
      const word = data.readUInt32LE(pos);
      pos += 4;
      if (word === 0) break;
      const size = word & 0x7fffffff;
      const uncompressed = (word & 0x80000000) !== 0;
      if (size > blockMax) throw corruptCompressed('lz4', `block of ${size} bytes exceeds the frame maximum`);
      need(size + (blockChecksum ? 4 : 0), 'block');
      pos += size + (blockChecksum ? 4 : 0);
      bytes += uncompressed ? size : blockMax;
      lastBlockMax = blockMax;
    }
    if (contentChecksum) pos += 4;
  }
  return { bytes, lastBlockMax };
}
