// Micro-benchmark (not a test): how fast record batches are encoded on one core.
// Run after a build:  node packages/protocol/bench/encode.bench.mjs [seconds]
// Prints records/s for 100-byte values, 64 KiB batches, with the builder the SDK producer
// uses (RecordBatchBuilder) and with encodeRecordBatch over ready-made records.
import { Compression, encodeRecordBatch, RecordBatchBuilder } from '../dist/index.js';

const seconds = Number(process.argv[2] ?? 3);
const value = Buffer.alloc(100, 'x');
const key = Buffer.from('user-0000');
const batchBytes = 64 * 1024;

/** Runs `encodeOne` (which encodes one batch and returns its record count) for `seconds`. */
function measure(name, encodeOne) {
  // Warm-up, so the JIT has compiled the hot path before timing.
  for (const end = Date.now() + 500; Date.now() < end; ) encodeOne();
  let records = 0;
  let bytes = 0;
  const start = process.hrtime.bigint();
  const end = Date.now() + seconds * 1000;
  while (Date.now() < end) {
    const [count, size] = encodeOne();
    records += count;
    bytes += size;
  }
  const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  const perSecond = Math.round(records / elapsed);
  console.log(
    `${name.padEnd(44)} ${perSecond.toLocaleString('en-US').padStart(12)} records/s  ${(bytes / elapsed / 2 ** 20).toFixed(0).padStart(5)} MiB/s`,
  );
  return perSecond;
}

const now = Date.now();
measure('RecordBatchBuilder, 100 B values, 64 KiB', () => {
  const builder = new RecordBatchBuilder(batchBytes);
  let count = 0;
  while (builder.tryAppend(key, value, undefined, now + count)) count++;
  return [count, builder.build({ compression: Compression.None }).length];
});

const records = Array.from({ length: 500 }, (_, i) => ({ key, value, timestamp: now + i }));
measure('encodeRecordBatch, 500 x 100 B records', () => {
  const batch = encodeRecordBatch({ records });
  return [records.length, batch.length];
});
