// Micro-benchmark (not a test): LevelDB's write amplification and the broker process's CPU per
// MiB appended, for W1-like appends (~128 KiB batches of 100-byte values from one idempotent
// producer per partition, 4 appends in flight) to 1 or 16 partitions, through the broker's own
// LogStore and PartitionLog. Run after a build:
//
//   node apps/broker/bench/storage-amp.bench.mjs [--mib 512] [--partitions 1,16]
//        [--write-buffer-mib 4] [--max-file-mib 2] [--layout partition-log|log-only|db-per-partition]
//
// Layouts: `partition-log` is what the broker writes (log, time-index, producer and meta keys
// in one LevelDB write per append); `log-only` writes the log keys alone (the bound for any
// layout that keeps overwritten keys out of the append path); `db-per-partition` gives every
// partition its own LevelDB with the broker's keys.
// Prints one JSON line per configuration: user MiB, table MiB written, write amplification,
// compaction read MiB, bytes the process wrote to files (/proc/self/io wchar: WAL + tables),
// CPU µs per MiB appended (every thread: LevelDB's compaction thread included), per level.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeRecordBatch, readBatchHeader } from '@fjord/protocol';
import { logKey, topicIdToBytes } from '../dist/log/keys.js';
import { PartitionLog } from '../dist/log/partition-log.js';
import { LogStore } from '../dist/log/store.js';

const MIB = 1024 * 1024;
const args = parseArgs(process.argv.slice(2));
const TOPIC = '00000000-0000-4000-8000-000000000001';
const RECORDS_PER_BATCH = 1310;
const VALUE_BYTES = 100;
const INFLIGHT = 4;
// Offset of baseSequence in a v2 record batch header (KIP-98).
const BASE_SEQUENCE_OFFSET = 53;

for (const partitions of args.partitions) {
  console.log(JSON.stringify(await measure(partitions)));
}

async function measure(partitions) {
  const dir = await mkdtemp(join(tmpdir(), 'fjord-storage-amp-'));
  const options = {
    flushPolicy: 'os',
    flushIntervalMs: 1000,
    writeBufferBytes: args.writeBufferMib * MIB,
    maxFileBytes: args.maxFileMib * MIB,
  };
  const stores = [];
  try {
    const storeOf = [];
    if (args.layout === 'db-per-partition') {
      for (let p = 0; p < partitions; p++) {
        const store = await LogStore.open(join(dir, String(p)), options);
        stores.push(store);
        storeOf.push(store);
      }
    } else {
      const store = await LogStore.open(dir, options);
      stores.push(store);
      for (let p = 0; p < partitions; p++) storeOf.push(store);
    }
    const logs = [];
    for (let p = 0; p < partitions; p++) logs.push(await PartitionLog.load(storeOf[p], TOPIC, p));
    // The same random values for every batch (snappy cannot shrink them); the baseSequence is
    // patched per append, so the CRC no longer matches: nothing here reads the batches back.
    const template = encodeRecordBatch({
      producerId: 1000n,
      producerEpoch: 0,
      baseSequence: 0,
      records: Array.from({ length: RECORDS_PER_BATCH }, (_, i) => ({
        key: null,
        value: randomBytes(VALUE_BYTES),
        timestamp: Date.now() + i,
      })),
    });
    const sequences = new Array(partitions).fill(0);
    const topicId = topicIdToBytes(TOPIC);
    const targetBytes = args.mib * MIB;
    let appended = 0;
    let next = 0;
    const cpuBefore = process.cpuUsage();
    const wcharBefore = wchar();
    const startedAt = performance.now();
    const appendOne = async () => {
      const p = next++ % partitions;
      const bytes = Buffer.from(template);
      bytes.writeInt32BE(sequences[p], BASE_SEQUENCE_OFFSET);
      bytes.writeBigInt64BE(BigInt(1000 + p), 43);
      sequences[p] += RECORDS_PER_BATCH;
      appended += bytes.length;
      const log = logs[p];
      if (args.layout === 'log-only') {
        const offset = log.pendingState.logEndOffset;
        log.pendingState.logEndOffset += BigInt(RECORDS_PER_BATCH);
        await storeOf[p].write([{ type: 'put', key: logKey(topicId, p, offset), value: bytes }]);
        return;
      }
      const prepared = log.prepareAppend([{ header: readBatchHeader(bytes), bytes }], 0, null);
      await storeOf[p].write(prepared.ops, { onCommit: prepared.commit, onFail: prepared.rollback });
    };
    const worker = async () => {
      while (appended < targetBytes) await appendOne();
    };
    await Promise.all(Array.from({ length: INFLIGHT }, worker));
    const appendSeconds = (performance.now() - startedAt) / 1000;
    // Compactions run behind the writes: wait until they stop (or 60 s), so that the numbers
    // hold what this much data costs, not what was done by the time the last write returned.
    await settle(stores);
    const stats = stores.map((s) => s.stats());
    // What is still in the memtable has not been written to a table yet: reopening replays
    // the write-ahead log into a level-0 table, and that write shows in the new stats.
    for (let i = 0; i < stores.length; i++) {
      const store = stores[i];
      await store.close();
      stores[i] = await LogStore.open(store.db.location, options);
    }
    await settle(stores);
    const cpu = process.cpuUsage(cpuBefore);
    const tails = stores.map((s) => s.stats());
    const sum = (read) =>
      stats.reduce((total, s) => total + read(s), 0) + tails.reduce((total, s) => total + read(s), 0);
    const userBytes = stats.reduce((total, s) => total + s.userBytes, 0);
    const tableWritten = sum((s) => s.tableWrittenBytes);
    const appendedMiB = appended / MIB;
    return {
      layout: args.layout,
      partitions,
      writeBufferMiB: args.writeBufferMib,
      maxFileMiB: args.maxFileMib,
      appendedMiB: round(appendedMiB),
      userMiB: round(userBytes / MIB),
      tableWrittenMiB: round(tableWritten / MIB),
      writeAmplification: round(tableWritten / userBytes),
      compactionReadMiB: round(sum((s) => s.compactionReadBytes) / MIB),
      fileWritesMiB: round((wchar() - wcharBefore) / MIB),
      appendMiBPerSec: round(appendedMiB / appendSeconds),
      cpuUsPerMiB: Math.round((cpu.user + cpu.system) / appendedMiB),
      levels: stats[0].levels.map(
        (l) => `L${l.level}:${l.files}f/${l.sizeBytes / MIB}M/w${l.writtenBytes / MIB}M`,
      ),
    };
  } finally {
    for (const store of stores) await store.close();
    await rm(dir, { recursive: true, force: true });
  }
}

async function settle(stores) {
  // A running compaction shows in the stats only when it ends; LevelDB compacts level 0 from
  // 4 files on (kL0_CompactionTrigger), so wait for fewer and for 3 quiet seconds.
  const deadline = Date.now() + 120_000;
  let last = -1;
  let quiet = 0;
  while (Date.now() < deadline && quiet < 3) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const l0 = Math.max(...stores.map((s) => Number(s.db.getProperty('leveldb.num-files-at-level0'))));
    const written = stores.reduce(
      (total, s) => total + s.stats().tableWrittenBytes + s.stats().compactionReadBytes,
      0,
    );
    quiet = written === last && l0 < 4 ? quiet + 1 : 0;
    last = written;
  }
}

function wchar() {
  const match = /^wchar:\s+(\d+)/m.exec(readFileSync('/proc/self/io', 'utf8'));
  return match ? Number(match[1]) : 0;
}

function round(value) {
  return Math.round(value * 100) / 100;
}

function parseArgs(argv) {
  const options = {
    mib: 512,
    partitions: [1, 16],
    writeBufferMib: 4,
    maxFileMib: 2,
    layout: 'partition-log',
  };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    if (flag === '--mib') options.mib = Number(value);
    else if (flag === '--partitions') options.partitions = value.split(',').map(Number);
    else if (flag === '--write-buffer-mib') options.writeBufferMib = Number(value);
    else if (flag === '--max-file-mib') options.maxFileMib = Number(value);
    else if (flag === '--layout') options.layout = value;
    else throw new Error(`unknown argument ${flag}`);
  }
  if (!['partition-log', 'log-only', 'db-per-partition'].includes(options.layout))
    throw new Error(`unknown layout ${options.layout} (partition-log, log-only or db-per-partition)`);
  return options;
}
