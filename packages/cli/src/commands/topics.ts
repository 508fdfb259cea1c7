import type { TopicDescription } from '@fjord/sdk';
import type { Command } from 'commander';
import { type ClientTarget, commandTarget, withClient } from '../bootstrap.js';
import { configList, idList, plural, table } from '../format.js';
import { type Io, println } from '../io.js';
import { collect, configPair, integerAtLeast } from '../parse.js';
import { UsageError } from '../usage-error.js';

/** Registers `fjord topics create|list|describe|delete|alter`. */
export function registerTopics(program: Command, io: Io, onBootstrap: (bootstrap: string) => void): void {
  const topics = program.command('topics').description('create, list, describe, delete and alter topics');
  const targetOf = (command: Command) => {
    const target = commandTarget(command, io.env);
    onBootstrap(target.bootstrap);
    return target;
  };

  topics
    .command('create')
    .description('create a topic')
    .argument('<name>', 'topic name')
    .requiredOption('-p, --partitions <n>', 'number of partitions', integerAtLeast(1))
    .option('-r, --replication-factor <n>', 'copies of each partition', integerAtLeast(1), 1)
    .option(
      '-c, --config <key=value...>',
      'topic config, e.g. retention.ms=86400000 (repeatable)',
      configPair,
    )
    .action(async (name: string, opts: CreateOptions, command: Command) => {
      await createTopic(targetOf(command), name, opts, io);
    });

  topics
    .command('list')
    .description('list topic names, one per line')
    .action(async (_opts: unknown, command: Command) => {
      await listTopics(targetOf(command), io);
    });

  topics
    .command('describe')
    .description('show partitions, leaders, replicas, ISR, leader epochs and configs')
    .argument('<name...>', 'topic names')
    .action(async (names: string[], _opts: unknown, command: Command) => {
      await describeTopics(targetOf(command), names, io);
    });

  topics
    .command('delete')
    .description('delete topics and their data')
    .argument('<name...>', 'topic names')
    .action(async (names: string[], _opts: unknown, command: Command) => {
      await deleteTopics(targetOf(command), names, io);
    });

  topics
    .command('elect-leaders')
    .description('move leadership back to preferred replicas (all topics when none is named)')
    .argument('[name...]', 'topic names')
    .action(async (names: string[], _opts: unknown, command: Command) => {
      await electLeaders(targetOf(command), names, io);
    });

  topics
    .command('alter')
    .description('set or remove topic configs')
    .argument('<name>', 'topic name')
    .option('-c, --config <key=value...>', 'config to set (repeatable)', configPair)
    .option('-d, --delete-config <key...>', 'config to reset to its default (repeatable)', collect)
    .action(async (name: string, opts: AlterOptions, command: Command) => {
      await alterTopic(targetOf(command), name, opts, io);
    });
}

interface CreateOptions {
  partitions: number;
  replicationFactor: number;
  config?: Record<string, string>;
}

interface AlterOptions {
  config?: Record<string, string>;
  deleteConfig?: string[];
}

async function createTopic(target: ClientTarget, name: string, opts: CreateOptions, io: Io): Promise<void> {
  await withClient(target, (fjord) =>
    fjord.admin().createTopics([
      {
        name,
        partitions: opts.partitions,
        replicationFactor: opts.replicationFactor,
        configs: opts.config ?? {},
      },
    ]),
  );
  println(
    io.stdout,
    `created topic "${name}" (${plural(opts.partitions, 'partition')}, replication factor ${opts.replicationFactor})`,
  );
}

async function listTopics(target: ClientTarget, io: Io): Promise<void> {
  const listing = await withClient(target, (fjord) => fjord.admin().listTopics());
  for (const name of listing.map((t) => t.name).sort()) println(io.stdout, name);
}

async function describeTopics(target: ClientTarget, names: string[], io: Io): Promise<void> {
  const described = await withClient(target, (fjord) => fjord.admin().describeTopics(names));
  println(io.stdout, described.map(renderTopic).join('\n\n'));
}

/** The `topics describe` block of one topic. */
export function renderTopic(topic: TopicDescription): string {
  const replicationFactor = topic.partitions[0]?.replicas.length ?? 0;
  const rows = topic.partitions.map((p) => [
    String(p.partition),
    p.leader < 0 ? 'none' : String(p.leader),
    idList(p.replicas),
    idList(p.isr),
    idList(p.elr),
    String(p.leaderEpoch),
  ]);
  return [
    `Topic: ${topic.name}  Id: ${topic.id}  Partitions: ${topic.partitions.length}  ` +
      `Replication factor: ${replicationFactor}`,
    `Configs: ${configList(topic.configs)}`,
    table(['PARTITION', 'LEADER', 'REPLICAS', 'ISR', 'ELR', 'LEADER EPOCH'], rows, '  '),
  ].join('\n');
}

async function electLeaders(target: ClientTarget, names: string[], io: Io): Promise<void> {
  const results = await withClient(target, (fjord) => fjord.admin().electLeaders(names));
  const rows = results.map((r) => [
    r.topic,
    String(r.partition),
    r.leader < 0 ? 'none' : String(r.leader),
    r.outcome,
  ]);
  println(io.stdout, table(['TOPIC', 'PARTITION', 'LEADER', 'OUTCOME'], rows, '  '));
}

async function deleteTopics(target: ClientTarget, names: string[], io: Io): Promise<void> {
  await withClient(target, (fjord) => fjord.admin().deleteTopics(names));
  for (const name of names) println(io.stdout, `deleted topic "${name}"`);
}

async function alterTopic(target: ClientTarget, name: string, opts: AlterOptions, io: Io): Promise<void> {
  const set = opts.config ?? {};
  const remove = opts.deleteConfig ?? [];
  if (Object.keys(set).length === 0 && remove.length === 0) {
    throw new UsageError(
      'topics alter: nothing to change; give --config key=value and/or --delete-config key',
    );
  }
  await withClient(target, (fjord) =>
    fjord.admin().alterTopicConfigs([{ topic: name, set, delete: remove }]),
  );
  const changes = [...Object.entries(set).map(([k, v]) => `${k}=${v}`), ...remove.map((k) => `-${k}`)];
  println(io.stdout, `updated topic "${name}": ${changes.join(', ')}`);
}
