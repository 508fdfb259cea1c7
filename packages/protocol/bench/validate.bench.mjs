// Micro-benchmark (not a test): what the broker's produce validation costs on one core.
// Run after a build:  node packages/protocol/bench/validate.bench.mjs [seconds]
// For a produce partition of 64 KiB batches with 100-byte values it prints records/s and the
// time per MiB of request for the header + CRC checks alone (splitBatches, all the broker did
// before record validation) and with every record walked (validateBatchRecords); then, per
// codec, the time to validate a request of 1 MiB of compressed batches (decompress + walk),
// the longest the event loop is blocked by one request of that size.
import {
  Compression,
  DecompressionBudget,
  loadCompressionCodecs,
  RecordBatchBuilder,
  splitBatches,
  validateBatchRecords,
} from '../dist/index.js';

const seconds = Number(process.argv[2] ?? 2);
await loadCompressionCodecs();
const now = Date.now();
const window = { nowMs: now, beforeMaxMs: Number.MAX_SAFE_INTEGER, afterMaxMs: 3_600_000 };

/** `totalBytes` of 64 KiB batches (uncompressed size) of keyed 100-byte values, concatenated. */
function request(totalBytes, compression, targetBytes = Infinity) {
  const batches = [];
  let size = 0;
  let records = 0;
  let i = 0;
  while (size < totalBytes && size < targetBytes) {
    const builder = new RecordBatchBuilder(64 * 1024);
    const value = Buffer.alloc(100, `value-${i % 10}`);
    while (builder.tryAppend(Buffer.from(`user-${i % 1000}`), value, undefined, now + (i % 100))) {
      i++;
      records++;
    }
    const batch = builder.build({ compression });
    batches.push(batch);
    size += batch.length;
  }
  return { bytes: Buffer.concat(batches), records };
}

function time(fn) {
  for (const end = Date.now() + 300; Date.now() < end; ) fn();
  let runs = 0;
  const start = process.hrtime.bigint();
  const end = Date.now() + seconds * 1000;
  while (Date.now() < end) {
    fn();
    runs++;
  }
  return Number(process.hrtime.bigint() - start) / 1e6 / runs; // ms per run
}

const validateAll = (bytes) => {
  const budget = new DecompressionBudget();
  for (const { header, bytes: batch } of splitBatches(bytes)) {
    validateBatchRecords(batch, header, { maxDecompressedBytes: 1_048_576, budget, timestamps: window });
  }
};

const plain = request(4 * 1024 * 1024, Compression.None);
const mib = plain.bytes.length / 2 ** 20;
const headerMs = time(() => splitBatches(plain.bytes));
const fullMs = time(() => validateAll(plain.bytes));
const line = (name, ms, records) =>
  console.log(
    `${name.padEnd(46)} ${(ms / mib).toFixed(2).padStart(7)} ms/MiB  ${Math.round((records / ms) * 1000)
      .toLocaleString('en-US')
      .padStart(12)} records/s`,
  );
line('uncompressed: header + CRC (splitBatches)', headerMs, plain.records);
line('uncompressed: + every record walked', fullMs, plain.records);
console.log(
  `record walk adds ${(((fullMs - headerMs) / headerMs) * 100).toFixed(0)}% to the header + CRC checks`,
);

for (const [name, code] of Object.entries(Compression)) {
  if (code === Compression.None) continue;
  // 1 MiB of compressed batches in one request.
  const compressed = request(64 * 1024 * 1024, code, 1024 * 1024);
  const ms = time(() => validateAll(compressed.bytes));
  console.log(
    `${`${name}: 1 MiB compressed request`.padEnd(46)} ${ms.toFixed(1).padStart(7)} ms      ` +
      `(${compressed.records.toLocaleString('en-US')} records, ${((compressed.records * 130) / 2 ** 20).toFixed(0)} MiB decompressed)`,
  );
}
