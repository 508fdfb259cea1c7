import type { ClusterDescription } from '@fjord/sdk';
import type { Command } from 'commander';
import { commandBootstrap, withClient } from '../bootstrap.js';
import { idList, table } from '../format.js';
import { type Io, println } from '../io.js';

/** Registers `fjord cluster`: brokers with liveness, and under-replicated partitions. */
export function registerCluster(program: Command, io: Io, onBootstrap: (bootstrap: string) => void): void {
  program
    .command('cluster')
    .description('show brokers, their liveness, and under-replicated partitions')
    .action(async (_opts: unknown, command: Command) => {
      const bootstrap = commandBootstrap(command, io.env);
      onBootstrap(bootstrap);
      const description = await withClient(bootstrap, (fjord) => fjord.admin().describeCluster());
      println(io.stdout, renderCluster(description));
    });
}

/** The `fjord cluster` text. */
export function renderCluster(cluster: ClusterDescription): string {
  const brokers = table(
    ['BROKER', 'ADDRESS', 'STATE'],
    cluster.brokers.map((b) => [String(b.id), `${b.host}:${b.port}`, b.alive ? 'alive' : 'fenced']),
    '  ',
  );
  const under =
    cluster.underReplicated.length === 0
      ? 'Under-replicated partitions: none'
      : [
          `Under-replicated partitions: ${cluster.underReplicated.length}`,
          table(
            ['TOPIC', 'PARTITION', 'LEADER', 'REPLICAS', 'ISR'],
            cluster.underReplicated.map((p) => [
              p.topic,
              String(p.partition),
              p.leader < 0 ? 'none' : String(p.leader),
              idList(p.replicas),
              idList(p.isr),
            ]),
            '  ',
          ),
        ].join('\n');
  return [`Cluster: ${cluster.clusterId}  Coordinator: ${cluster.coordinator}`, brokers, under].join('\n');
}
