// Crafted record batches for unit tests (not part of the built package).
import { crc32c, encodeRecordBatch } from '@fjord/protocol';

const RECORDS_START = 61;
const BATCH_LENGTH_OFFSET = 8;
const CRC_OFFSET = 17;
const CRC_FROM = 21;

/**
 * A CRC-valid batch of `count` records at `baseOffset` whose first record claims a length of
 * `claimedLength` bytes (1 MiB by default) that the batch does not hold: it passes every
 * header check and fails only when its records are decoded (INVALID_RECORD).
 */
export function bogusLengthBatch(baseOffset: bigint, count: number, claimedLength = 1 << 20): Buffer {
  const good = encodeRecordBatch({
    baseOffset,
    records: Array.from({ length: count }, (_, i) => ({
      key: null,
      value: Buffer.from(`bad-${i}`),
      timestamp: 1_700_000_000_000,
    })),
  });
  // Every record here is shorter than 64 bytes, so its length varint is one byte.
  const length = Buffer.alloc(5);
  let zigzag = claimedLength * 2;
  let size = 0;
  while (zigzag >= 0x80) {
    length[size++] = (zigzag & 0x7f) | 0x80;
    zigzag = Math.floor(zigzag / 128);
  }
  length[size++] = zigzag;
  const batch = Buffer.concat([
    good.subarray(0, RECORDS_START),
    length.subarray(0, size),
    good.subarray(RECORDS_START + 1),
  ]);
  batch.writeInt32BE(batch.length - 12, BATCH_LENGTH_OFFSET);
  batch.writeUInt32BE(crc32c(batch.subarray(CRC_FROM)), CRC_OFFSET);
  return batch;
}
