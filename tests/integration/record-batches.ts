import { crc32c, encodeRecordBatch } from '@fjord/protocol';

/**
 * A CRC-valid record batch of one record whose length varint claims `claimedLength` bytes
 * (1 MiB by default) that the batch does not hold: every header check passes, only decoding
 * its records fails. A broker that validates records refuses it; one that does not stores it.
 */
export function bogusLengthBatch(value: string, claimedLength = 1 << 20): Buffer {
  const good = encodeRecordBatch({
    records: [{ key: null, value: Buffer.from(value), timestamp: Date.now() }],
  });
  const recordsStart = 61;
  if (good[recordsStart]! >= 0x80) throw new Error('bogusLengthBatch: keep the value under 50 bytes');
  const length: number[] = [];
  for (let zigzag = claimedLength * 2; ; zigzag = Math.floor(zigzag / 128)) {
    if (zigzag < 0x80) {
      length.push(zigzag);
      break;
    }
    length.push((zigzag & 0x7f) | 0x80);
  }
  const batch = Buffer.concat([
    good.subarray(0, recordsStart),
    Buffer.from(length),
    good.subarray(recordsStart + 1),
  ]);
  batch.writeInt32BE(batch.length - 12, 8); // batchLength
  batch.writeUInt32BE(crc32c(batch.subarray(21)), 17); // CRC-32C from the attributes on
  return batch;
}
