import type { ClusterDescription, QuorumDescription } from '@fjord/sdk';
import type { Command } from 'commander';
import { commandTarget, withClient } from '../bootstrap.js';
import { idList, table } from '../format.js';
import { type Io, println } from '../io.js';

/** What `fjord cluster` shows: the coordinator quorum and the brokers. */
export interface ClusterView {
  quorum: QuorumDescription;
  cluster: ClusterDescription;
}

/**
 * Registers `fjord cluster`: the coordinator quorum (each coordinator's id, address, role,
 * log end and lag), brokers with liveness, and under-replicated partitions; `--json` prints
 * the same as one JSON object.
 */
export function registerCluster(program: Command, io: Io, onBootstrap: (bootstrap: string) => void): void {
  program
    .command('cluster')
    .description('show the coordinator quorum, brokers with their liveness, and under-replicated partitions')
    .option('-J, --json', 'print one JSON object: { "coordinators": [...], "brokers": [...], ... }')
    .action(async (opts: { json?: boolean }, command: Command) => {
      const target = commandTarget(command, io.env);
      onBootstrap(target.bootstrap);
      const view = await withClient(target, async (fjord) => {
        const admin = fjord.admin();
        // The quorum first: it also tells the client where the leader is.
        const quorum = await admin.describeQuorum();
        return { quorum, cluster: await admin.describeCluster() };
      });
      println(io.stdout, opts.json ? JSON.stringify(clusterJson(view), null, 2) : renderCluster(view));
    });
}

/** The `fjord cluster --json` object. */
export function clusterJson({ quorum, cluster }: ClusterView) {
  return {
    clusterId: cluster.clusterId,
    coordinators: quorum.coordinators.map((c) => ({
      id: c.id,
      address: c.address,
      leader: c.leader,
      logEnd: c.logEnd,
      lag: c.lag,
    })),
    brokers: cluster.brokers.map((b) => ({ id: b.id, address: `${b.host}:${b.port}`, alive: b.alive })),
    underReplicated: cluster.underReplicated,
  };
}

/** The `fjord cluster` text. */
export function renderCluster({ quorum, cluster }: ClusterView): string {
  const unknown = (n: number) => (n < 0 ? '?' : String(n));
  // Empty: that coordinator has no address on the listener asked through (or was not heard from).
  const address = (a: string) => a || '?';
  const coordinators = table(
    ['COORDINATOR', 'ADDRESS', 'ROLE', 'LOG END', 'LAG'],
    quorum.coordinators.map((c) => [
      String(c.id),
      address(c.address),
      c.leader ? 'leader' : 'follower',
      unknown(c.logEnd),
      unknown(c.lag),
    ]),
    '  ',
  );
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
  const leader = quorum.coordinators.find((c) => c.leader);
  const heading = `Cluster: ${cluster.clusterId}  Coordinator leader: ${leader ? `${leader.id} (${address(leader.address)})` : 'none (an election is running)'}  Term: ${quorum.term}`;
  return [heading, coordinators, brokers, under].join('\n');
}
