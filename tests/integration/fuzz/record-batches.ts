import { crc32c, encodeRecordBatch } from '@fjord/protocol';
import fc from 'fast-check';

/** Offset of the CRC-32C in a RecordBatch v2 header; it covers everything from byte 21 on. */
const CRC_OFFSET = 17;
const CRC_COVERS_FROM = 21;

/** Attribute bit 3 (timestamp type) and the maxTimestamp field of a RecordBatch v2 header. */
const TIMESTAMP_TYPE_BIT = 0x08;
const ATTRIBUTES_LOW_BYTE = 22;
const MAX_TIMESTAMP_OFFSET = 35;

/**
 * Identifies a batch by what it stores: the CRC-covered bytes with the timestamp type and
 * maxTimestamp blanked, since in a CreateTime topic the broker writes its own there when a
 * producer's header does not name the largest record timestamp (as Kafka's LogValidator),
 * and leaves every other byte as sent.
 */
export function storedContentKey(batch: Buffer): number {
  const copy = Buffer.from(batch.subarray(0, batch.readInt32BE(8) + 12));
  copy[ATTRIBUTES_LOW_BYTE]! &= ~TIMESTAMP_TYPE_BIT;
  copy.fill(0, MAX_TIMESTAMP_OFFSET, MAX_TIMESTAMP_OFFSET + 8);
  return crc32c(copy.subarray(CRC_COVERS_FROM));
}

/** Writes the batch's CRC again, so that a mutation past the header reaches the records parser. */
export function resealed(batch: Buffer): Buffer {
  if (batch.length < CRC_COVERS_FROM) return batch;
  batch.writeUInt32BE(crc32c(batch.subarray(CRC_COVERS_FROM)), CRC_OFFSET);
  return batch;
}

const timestamp = fc.oneof(
  { weight: 4, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: fc.constantFrom(-1, 0, -(2 ** 40), 2 ** 50, Number.MAX_SAFE_INTEGER) },
);

/** One valid batch of a few small records (timestamp now, or an edge one). */
const validBatch: fc.Arbitrary<Buffer> = fc
  .tuple(
    fc.array(
      fc.record({
        key: fc.option(fc.uint8Array({ maxLength: 16 }), { nil: null }),
        value: fc.option(fc.uint8Array({ maxLength: 64 }), { nil: null }),
      }),
      { minLength: 1, maxLength: 4 },
    ),
    timestamp,
  )
  .map(([records, at]) =>
    encodeRecordBatch({
      records: records.map((r) => ({
        key: r.key && Buffer.from(r.key),
        value: r.value && Buffer.from(r.value),
        timestamp: at ?? Date.now(),
      })),
    }),
  );

/** A valid batch with `count` bytes set at random positions. */
const mutatedBatch = fc
  .tuple(
    validBatch,
    fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }),
  )
  .map(([batch, edits]) => {
    for (const [at, byte] of edits) batch[at % batch.length] = byte;
    return batch;
  });

/**
 * Record bytes for a produce request: valid batches (one or concatenated), batches with random
 * bytes inside (CRC rewritten, so the record parser sees them, or left stale), truncated
 * batches, a batch followed by garbage, and plain noise.
 */
export const recordBytes: fc.Arbitrary<Buffer> = fc.oneof(
  { weight: 8, arbitrary: validBatch },
  { weight: 1, arbitrary: fc.array(validBatch, { minLength: 2, maxLength: 3 }).map((b) => Buffer.concat(b)) },
  { weight: 3, arbitrary: mutatedBatch.map(resealed) },
  { weight: 1, arbitrary: mutatedBatch },
  {
    weight: 1,
    arbitrary: fc.tuple(validBatch, fc.nat()).map(([batch, cut]) => batch.subarray(0, cut % batch.length)),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(validBatch, fc.uint8Array({ minLength: 1, maxLength: 80 }))
      .map(([batch, tail]) => Buffer.concat([batch, tail])),
  },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)) },
);
