import { createReadStream, statSync } from 'node:fs';
import type { Readable } from 'node:stream';
import type { Command } from 'commander';
import { type ClientTarget, commandTarget, withClient } from '../bootstrap.js';
import { bytes, duration, plural } from '../format.js';
import { type Io, println } from '../io.js';
import { PRODUCE_BATCH_LIMITS, pumpLines } from '../line-pump.js';
import { acks, compression, configPair, integerAtLeast, separator } from '../parse.js';
import { ProgressBar } from '../progress.js';
import { interruptOnSignals } from '../signals.js';

interface ProduceOptions {
  keySeparator?: string;
  acks: 0 | 1 | 'all';
  partition?: number;
  compression: 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';
  lingerMs?: number;
  header?: Record<string, string>;
  file?: string;
  progress?: boolean;
}

/** Registers `fjord produce <topic>`. */
export function registerProduce(program: Command, io: Io, onBootstrap: (bootstrap: string) => void): void {
  program
    .command('produce')
    .description('send stdin to a topic, one record per line')
    .argument('<topic>', 'topic name')
    .option(
      '-K, --key-separator <sep>',
      'split each line into key<sep>value (a line without it has no key)',
      separator,
    )
    .option('-a, --acks <acks>', 'acknowledgements: 0, 1 or all', acks, 'all' as const)
    .option('-p, --partition <n>', 'send every record to this partition (default: by key)', integerAtLeast(0))
    .option('-z, --compression <codec>', 'none, gzip, snappy, lz4 or zstd', compression, 'none' as const)
    .option('--linger-ms <ms>', 'how long a batch waits for more records (default 5)', integerAtLeast(0))
    .option('-H, --header <key=value>', 'a header on every record (repeatable)', configPair)
    .option('-f, --file <path>', 'read records from this file instead of stdin')
    .option('--progress', 'show a progress bar while reading --file (default: when stderr is a terminal)')
    .action(async (topic: string, opts: ProduceOptions, command: Command) => {
      const target = commandTarget(command, io.env);
      onBootstrap(target.bootstrap);
      await produce(target, topic, opts, io);
    });
}

/** A record of one input line. */
export interface LineRecord {
  key: string | null;
  value: string;
  partition?: number;
}

/** Splits a line at the first separator; without a separator the line is the value (kcat's -K). */
export function lineToRecord(line: string, keySeparator?: string, partition?: number): LineRecord {
  const record: LineRecord = { key: null, value: line };
  if (keySeparator !== undefined) {
    const at = line.indexOf(keySeparator);
    if (at >= 0) {
      record.key = line.slice(0, at);
      record.value = line.slice(at + keySeparator.length);
    }
  }
  if (partition !== undefined) record.partition = partition;
  return record;
}

async function produce(target: ClientTarget, topic: string, opts: ProduceOptions, io: Io): Promise<void> {
  const started = Date.now();
  let records = 0;
  let sentBytes = 0;
  let batches = 0;
  // Ctrl-C stops reading; what was read is still sent, then the summary is printed.
  const stop = interruptOnSignals();
  let failed = true;
  try {
    await withClient(target, async (fjord) => {
      // Fail before reading input when the topic or partition does not exist, rather than
      // after someone typed a first line.
      const [description] = await fjord.admin().describeTopics([topic]);
      assertPartitionExists(topic, description?.partitions.length ?? 0, opts.partition);
      const input = openInput(opts, io);
      if (!opts.file && (io.stdin as { isTTY?: boolean }).isTTY) {
        println(io.stderr, `type records for "${topic}", one per line; Ctrl-D to finish`);
      }
      const producer = fjord.producer({
        acks: opts.acks,
        compression: opts.compression,
        ...(opts.lingerMs === undefined ? {} : { lingerMs: opts.lingerMs }),
      });
      const headers = opts.header;
      try {
        await pumpLines(
          input.stream,
          PRODUCE_BATCH_LIMITS,
          async (lines) => {
            const messages = lines.map((line) => ({
              ...lineToRecord(line, opts.keySeparator, opts.partition),
              ...(headers ? { headers } : {}),
            }));
            await producer.send({ topic, messages });
            records += lines.length;
            batches += 1;
            for (const line of lines) sentBytes += Buffer.byteLength(line);
          },
          stop.signal,
        );
        input.progress?.finish();
      } finally {
        await producer.close();
      }
    });
    failed = false;
  } finally {
    stop.dispose();
    // After a failure the count says how much got through before it.
    if (!failed || records > 0) {
      const summary =
        `produced ${plural(records, 'record')} (${bytes(sentBytes)}, ${plural(batches, 'batch', 'batches')}) ` +
        `to "${topic}" in ${duration(Date.now() - started)}${failed ? ' before the error' : ''}`;
      println(io.stderr, summary);
    }
  }
}

/** stdin, or the `--file` with a progress bar on stderr (when asked, or when stderr is a terminal). */
function openInput(opts: ProduceOptions, io: Io): { stream: Readable; progress?: ProgressBar } {
  if (!opts.file) return { stream: io.stdin };
  const size = statSync(opts.file).size;
  const stream = createReadStream(opts.file);
  const showProgress = opts.progress ?? (io.stderr as { isTTY?: boolean }).isTTY === true;
  if (!showProgress) return { stream };
  const progress = new ProgressBar(io.stderr, size, opts.file);
  stream.on('data', (chunk) => progress.advance(chunk.length));
  return { stream, progress };
}

/** Throws when `--partition` names a partition the topic does not have. */
export function assertPartitionExists(topic: string, count: number, partition: number | undefined): void {
  if (partition !== undefined && partition >= count) {
    throw new Error(
      `topic "${topic}" has ${plural(count, 'partition')}; partition ${partition} does not exist`,
    );
  }
}
