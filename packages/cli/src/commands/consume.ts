import type { Writable } from 'node:stream';
import type { Command } from 'commander';
import { type ClientTarget, commandTarget, withClient } from '../bootstrap.js';
import { plural } from '../format.js';
import { type Io, println } from '../io.js';
import { integerAtLeast, type StartOffset, separator, startOffset } from '../parse.js';
import { PrintedOffsets, type TopicPartition } from '../printed-offsets.js';
import { formatRecord, jsonRecord, type PrintableRecord } from '../record-format.js';
import { interruptOnSignals } from '../signals.js';
import { UsageError } from '../usage-error.js';
import { assertPartitionExists } from './produce.js';

interface ConsumeOptions {
  fromBeginning?: boolean;
  offset?: StartOffset;
  partition?: number;
  maxMessages?: number;
  exitAtEnd?: boolean;
  printKey?: boolean;
  keySeparator: string;
  group?: string;
  format?: string;
  json?: boolean;
}

/** How long one poll may wait; bounds how late Ctrl-C and -e are noticed. */
const POLL_TIMEOUT_MS = 500;

/** Registers `fjord consume <topic>`. */
export function registerConsume(program: Command, io: Io, onBootstrap: (bootstrap: string) => void): void {
  program
    .command('consume')
    .description('print records of a topic to stdout, one per line (with --group: as a group member)')
    .argument('<topic>', 'topic name')
    .option('--from-beginning', 'start at the beginning of each partition (default: at the end)')
    .option(
      '-o, --offset <offset>',
      'start at: beginning, end, an offset N, or -N (N before the end)',
      startOffset,
    )
    .option('-p, --partition <n>', 'read only this partition (default: all)', integerAtLeast(0))
    .option('-n, --max-messages <n>', 'exit after printing this many records', integerAtLeast(1))
    .option('-e, --exit-at-end', 'exit once every partition reached the end it had at start')
    .option('--print-key', 'print key<sep>value instead of the value')
    .option('-K, --key-separator <sep>', 'separator for --print-key', separator, '\t')
    .option('-g, --group <group>', 'consume as a member of this consumer group (commits; Ctrl-C leaves)')
    .option(
      '-f, --format <template>',
      'print each record with a kcat-style template (%t %p %o %k %v %T %h …), one line per record',
    )
    .option('-J, --json', 'print each record as one JSON object')
    .action(async (topic: string, opts: ConsumeOptions, command: Command) => {
      const target = commandTarget(command, io.env);
      onBootstrap(target.bootstrap);
      await consume(target, topic, opts, io);
    });
}

/** Where to start, from --offset / --from-beginning (at the end when neither is given, like Kafka). */
export function chooseStart(opts: Pick<ConsumeOptions, 'offset' | 'fromBeginning'>): StartOffset {
  if (opts.offset && opts.fromBeginning)
    throw new UsageError('consume: use either --offset or --from-beginning');
  return opts.offset ?? (opts.fromBeginning ? { kind: 'beginning' } : { kind: 'end' });
}

/** The start offset of one partition, given its earliest and latest offsets. */
export function startFor(start: StartOffset, earliest: bigint, latest: bigint): bigint {
  switch (start.kind) {
    case 'beginning':
      return earliest;
    case 'end':
      return latest;
    case 'absolute':
      return start.offset;
    case 'fromEnd':
      return latest - start.offset > earliest ? latest - start.offset : earliest;
  }
}

/** How each record becomes an output line: --json, --format, or the value (with --print-key, key<sep>value). */
export function recordRenderer(
  opts: Pick<ConsumeOptions, 'format' | 'json' | 'printKey' | 'keySeparator'>,
): (record: PrintableRecord) => string {
  const chosen = [opts.format !== undefined, opts.json === true, opts.printKey === true].filter(Boolean);
  if (chosen.length > 1) throw new UsageError('consume: use only one of --format, --json and --print-key');
  if (opts.json) return jsonRecord;
  const template = opts.format;
  if (template !== undefined) return (record) => formatRecord(template, record);
  return (record) => renderRecord(record, opts.printKey ?? false, opts.keySeparator);
}

/** One output line: the value, or key<sep>value; null keys and values print as `null` (as Kafka's tools do). */
export function renderRecord(
  record: { key: Buffer | null; value: Buffer | null },
  printKey: boolean,
  keySeparator: string,
): string {
  const value = record.value === null ? 'null' : record.value.toString('utf8');
  if (!printKey) return value;
  const key = record.key === null ? 'null' : record.key.toString('utf8');
  return `${key}${keySeparator}${value}`;
}

async function consume(target: ClientTarget, topic: string, opts: ConsumeOptions, io: Io): Promise<void> {
  if (opts.group !== undefined) return consumeAsGroup(target, topic, opts, io);
  const render = recordRenderer(opts);
  const start = chooseStart(opts);
  const stop = interruptOnSignals();
  // `fjord consume t | head` closes the pipe: stop quietly, as cat does.
  let outputError: Error | undefined;
  const onOutputError = (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') outputError = error;
    stop.abort();
  };
  io.stdout.on('error', onOutputError);
  let count = 0;
  let failed = true;
  try {
    await withClient(target, async (fjord) => {
      const admin = fjord.admin();
      const [earliest, latest] = await Promise.all([
        admin.listOffsets(topic, 'earliest'),
        admin.listOffsets(topic, 'latest'),
      ]);
      const partitions = choosePartitions(topic, latest.length, opts.partition);
      const earliestOf = new Map(earliest.map((p) => [p.partition, p.offset]));
      const endOf = new Map(latest.map((p) => [p.partition, p.offset]));
      const next = new Map<number, bigint>();
      const consumer = fjord.consumer({ autoOffsetReset: start.kind === 'end' ? 'latest' : 'earliest' });
      try {
        const assignment = partitions.map((partition) => ({ topic, partition }));
        await consumer.assign(assignment);
        for (const tp of assignment) {
          const offset = startFor(start, earliestOf.get(tp.partition) ?? 0n, endOf.get(tp.partition) ?? 0n);
          consumer.seek(tp, offset);
          next.set(tp.partition, offset);
        }
        const atEnd = () => partitions.every((p) => (next.get(p) ?? 0n) >= (endOf.get(p) ?? 0n));
        while (!stop.signal.aborted && !(opts.exitAtEnd && atEnd())) {
          const records = await consumer.poll(POLL_TIMEOUT_MS);
          const lines: string[] = [];
          for (const record of records) {
            if (opts.maxMessages !== undefined && count >= opts.maxMessages) break;
            lines.push(render(record));
            next.set(record.partition, record.offset + 1n);
            count += 1;
          }
          if (lines.length > 0) await write(io.stdout, `${lines.join('\n')}\n`);
          if (opts.maxMessages !== undefined && count >= opts.maxMessages) break;
          // Gaps (e.g. offsets past the log end reset by the consumer) move the position without
          // records; the consumer's position is the authority for -e.
          if (opts.exitAtEnd) {
            for (const tp of assignment) {
              const position = consumer.position(tp);
              if (position !== undefined && position !== null && position > (next.get(tp.partition) ?? 0n)) {
                next.set(tp.partition, position);
              }
            }
          }
        }
      } finally {
        await consumer.close();
      }
    });
    if (outputError) throw outputError;
    failed = false;
  } finally {
    stop.dispose();
    io.stdout.off('error', onOutputError);
    if (!failed || count > 0) println(io.stderr, `consumed ${plural(count, 'record')}`);
  }
}

function choosePartitions(topic: string, count: number, only: number | undefined): number[] {
  assertPartitionExists(topic, count, only);
  return only === undefined ? Array.from({ length: count }, (_, i) => i) : [only];
}

/** Writes and waits for the stream to drain when it is full, so a slow reader slows the consumer. */
async function write(stream: Writable, text: string): Promise<void> {
  if (stream.write(text)) return;
  await new Promise<void>((resolve) => {
    const done = () => {
      stream.off('drain', done);
      stream.off('close', done);
      stream.off('error', done);
      resolve();
    };
    stream.on('drain', done);
    stream.on('close', done);
    stream.on('error', done);
  });
}

/** How often `consume --group` commits what it printed (as Kafka's auto commit does, 5 s). */
const GROUP_COMMIT_INTERVAL_MS = 5_000;

/**
 * `consume --group`: a group member that prints what the group assigns it, commits as it
 * goes, and on Ctrl-C (or -n) commits and leaves the group, so the other members take over
 * its partitions at once. It commits exactly what it printed (see PrintedOffsets), never the
 * consumer's position: with -n, a poll may return records that are never printed.
 */
async function consumeAsGroup(
  target: ClientTarget,
  topic: string,
  opts: ConsumeOptions,
  io: Io,
): Promise<void> {
  if (opts.offset || opts.partition !== undefined || opts.exitAtEnd) {
    throw new UsageError('consume --group: the group decides partitions and offsets (no -o, -p or -e)');
  }
  const render = recordRenderer(opts);
  const stop = interruptOnSignals();
  let outputError: Error | undefined;
  let outputClosed = false;
  const onOutputError = (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') outputError = error;
    outputClosed = true;
    stop.abort();
  };
  io.stdout.on('error', onOutputError);
  let count = 0;
  let failed = true;
  try {
    await withClient(target, async (fjord) => {
      const consumer = fjord.consumer({
        groupId: opts.group!,
        autoOffsetReset: opts.fromBeginning ? 'earliest' : 'latest',
        autoCommit: false,
      });
      const printed = new PrintedOffsets();
      const commitPrinted = async (partitions?: readonly TopicPartition[]): Promise<void> => {
        const offsets = printed.pending(partitions);
        if (offsets.length === 0) return;
        try {
          await consumer.commit({ offsets });
          printed.committed(offsets);
        } catch (error) {
          println(io.stderr, `warning: commit failed: ${(error as Error)?.message ?? error}`);
        }
      };
      try {
        await consumer.subscribe([topic], {
          // Before a partition leaves (rebalance, or close()): commit what was printed of it.
          onPartitionsRevoked: async (partitions) => {
            await commitPrinted(partitions);
            printed.forget(partitions);
          },
          // Fenced: another member may own them already, so there is nothing left to commit.
          onPartitionsLost: (partitions) => printed.forget(partitions),
        });
        let commitAt = Date.now() + GROUP_COMMIT_INTERVAL_MS;
        while (!stop.signal.aborted) {
          const records = await consumer.poll(POLL_TIMEOUT_MS);
          const shown = opts.maxMessages === undefined ? records : records.slice(0, opts.maxMessages - count);
          if (shown.length > 0) {
            await write(io.stdout, `${shown.map(render).join('\n')}\n`);
            // Records that may not have reached a reader stay uncommitted (at least once).
            if (outputClosed) break;
            for (const record of shown) printed.printed(record);
            count += shown.length;
          }
          if (opts.maxMessages !== undefined && count >= opts.maxMessages) break;
          if (Date.now() >= commitAt) {
            commitAt = Date.now() + GROUP_COMMIT_INTERVAL_MS;
            await commitPrinted(consumer.assignment());
          }
        }
      } finally {
        // Revokes every partition first, which commits what was printed.
        await consumer.close();
      }
    });
    if (outputError) throw outputError;
    failed = false;
  } finally {
    stop.dispose();
    io.stdout.off('error', onOutputError);
    // A failure before anything was read is one error line, without a count.
    if (!failed || count > 0) println(io.stderr, `consumed ${plural(count, 'record')}`);
  }
}
