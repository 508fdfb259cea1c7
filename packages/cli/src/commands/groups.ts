import type { Command } from 'commander';
import { commandTarget, withClient } from '../bootstrap.js';
import { table } from '../format.js';
import { type Io, println } from '../io.js';
import { integerAtLeast } from '../parse.js';
import { UsageError } from '../usage-error.js';

interface ResetOptions {
  topic: string;
  toEarliest?: boolean;
  toLatest?: boolean;
  toDatetime?: string;
  toOffset?: string;
  partition?: number;
}

/** Registers `fjord groups list|describe|reset-offsets|delete`. */
export function registerGroups(program: Command, io: Io, onBootstrap: (bootstrap: string) => void): void {
  const groups = program
    .command('groups')
    .description('list, describe, reset offsets of and delete consumer groups');
  const targetOf = (command: Command) => {
    const target = commandTarget(command, io.env);
    onBootstrap(target.bootstrap);
    return target;
  };

  groups
    .command('list')
    .description('list groups with state and member count')
    .action(async (_opts: unknown, command: Command) => {
      await withClient(targetOf(command), async (fjord) => {
        const list = await fjord.admin().listGroups();
        println(
          io.stdout,
          table(
            ['GROUP', 'STATE', 'MEMBERS'],
            list.map((g) => [g.groupId, g.state, String(g.members)]),
          ),
        );
      });
    });

  groups
    .command('describe')
    .description('show state, epoch, assignor, members with assignments, and offsets with lag')
    .argument('<group>', 'group id')
    .action(async (groupId: string, _opts: unknown, command: Command) => {
      await withClient(targetOf(command), async (fjord) => {
        const admin = fjord.admin();
        const g = await admin.describeGroup(groupId);
        println(
          io.stdout,
          `group ${g.groupId}  state ${g.state}  epoch ${g.groupEpoch}  assignor ${g.assignor}`,
        );
        const parts = (list: Array<{ topic: string; partition: number }>) =>
          list.map((tp) => `${tp.topic}:${tp.partition}`).join(',') || '-';
        println(
          io.stdout,
          table(
            ['MEMBER', 'INSTANCE', 'EPOCH', 'ASSIGNMENT'],
            g.members.map((m) => [
              m.memberId,
              m.instanceId ?? '-',
              String(m.memberEpoch),
              parts(m.assignment),
            ]),
          ),
        );
        const offsets = await admin.listGroupOffsets(groupId);
        println(
          io.stdout,
          table(
            ['TOPIC', 'PARTITION', 'COMMITTED', 'LOG-END', 'LAG'],
            offsets.map((o) => [
              o.topic,
              String(o.partition),
              String(o.offset),
              String(o.logEndOffset),
              String(o.lag),
            ]),
          ),
        );
      });
    });

  groups
    .command('reset-offsets')
    .description('move the committed offsets of a group with no members')
    .argument('<group>', 'group id')
    .requiredOption('-t, --topic <topic>', 'topic whose offsets move')
    .option('--to-earliest', 'to the log start')
    .option('--to-latest', 'to the log end')
    .option('--to-datetime <iso>', 'to the first record at or after this time (ISO 8601 or ms)')
    .option('--to-offset <n>', 'to this offset (with --partition, or every partition)')
    .option('-p, --partition <n>', 'only this partition (with --to-offset)', integerAtLeast(0))
    .action(async (groupId: string, opts: ResetOptions, command: Command) => {
      const chosen = [opts.toEarliest, opts.toLatest, opts.toDatetime, opts.toOffset].filter(
        (x) => x !== undefined,
      );
      if (chosen.length !== 1) {
        throw new UsageError(
          'reset-offsets: give exactly one of --to-earliest, --to-latest, --to-datetime, --to-offset',
        );
      }
      await withClient(targetOf(command), async (fjord) => {
        const admin = fjord.admin();
        if (opts.toOffset !== undefined) {
          if (!/^\d+$/.test(opts.toOffset)) throw new UsageError('--to-offset must be a whole number');
          const partitions =
            opts.partition !== undefined
              ? [opts.partition]
              : (await admin.listOffsets(opts.topic, 'latest')).map((p) => p.partition);
          const offset = BigInt(opts.toOffset);
          await admin.resetGroupOffsets(groupId, [
            { topic: opts.topic, offsets: partitions.map((partition) => ({ partition, offset })) },
          ]);
        } else {
          const to = opts.toEarliest
            ? ('earliest' as const)
            : opts.toLatest
              ? ('latest' as const)
              : { timestamp: parseTime(opts.toDatetime!) };
          await admin.resetGroupOffsets(groupId, [{ topic: opts.topic, to }]);
        }
        const offsets = await admin.listGroupOffsets(groupId);
        println(
          io.stdout,
          table(
            ['TOPIC', 'PARTITION', 'COMMITTED'],
            offsets
              .filter((o) => o.topic === opts.topic)
              .map((o) => [o.topic, String(o.partition), String(o.offset)]),
          ),
        );
      });
    });

  groups
    .command('delete')
    .description('delete a group with no members, and its offsets')
    .argument('<group>', 'group id')
    .action(async (groupId: string, _opts: unknown, command: Command) => {
      await withClient(targetOf(command), async (fjord) => {
        await fjord.admin().deleteGroup(groupId);
        println(io.stderr, `deleted group ${groupId}`);
      });
    });
}

function parseTime(text: string): number {
  const ms = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
  if (!Number.isFinite(ms)) throw new UsageError(`--to-datetime: cannot read "${text}" as a time`);
  return ms;
}
