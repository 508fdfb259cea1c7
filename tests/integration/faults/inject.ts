import { rmSync } from 'node:fs';
import type { Admin } from '@fjord/sdk';
import { type Cluster, linkEndName, type NetworkLinks, sleep, waitFor } from '@fjord/testkit';
import type { FaultEvent } from '../history/checker.js';
import { describeFault, type ScheduledFault, type SingleFault } from './schedule.js';

/** How long each fault lasts; chosen from the cluster's timeouts (see the test). */
export interface FaultTimings {
  /** Broker session timeout at the coordinator. */
  sessionTimeoutMs: number;
  /** replica.lag.time.max.ms of the brokers. */
  replicaLagTimeMaxMs: number;
  /** Bound on waiting for an ISR to shrink or a broker to be fenced. */
  settleTimeoutMs: number;
}

/** What a fault needs: the cluster, its links, a topic to pick victims from, the history. */
export interface FaultContext {
  cluster: Cluster;
  links: NetworkLinks;
  admin: Admin;
  topic: string;
  timings: FaultTimings;
  random: () => number;
  record: (event: FaultEvent) => void;
}

/** Injects one scheduled fault and resolves once it is healed (every process runs again). */
export async function injectFault(ctx: FaultContext, fault: ScheduledFault): Promise<void> {
  const name = describeFault(fault);
  switch (fault.kind) {
    case 'two-at-once': {
      const [first, second] = fault.pair!;
      const { leader, followers } = await partitionZero(ctx);
      // The second fault hits another broker than the first when it hits a broker at all.
      await Promise.all([
        injectSingle(ctx, first, leader, followers, name),
        injectSingle(ctx, second, followers[0]!, [leader, ...followers.slice(1)], name),
      ]);
      return;
    }
    case 'shrunk-isr-leader-kill':
    case 'shrunk-isr-disk-wiped': {
      // The follower is cut from every other broker, so it falls out of the ISR whoever
      // leads (leadership may move to the preferred replica at any time).
      const { followers } = await partitionZero(ctx);
      const cutOff = followers[0]!;
      const peers = ctx.cluster.brokers.map((node) => brokerIdOf(node.name)).filter((id) => id !== cutOff);
      const target = `${linkEndName(cutOff)}|${peers.map(linkEndName).join(',')}`;
      ctx.record({ type: 'fault', action: 'cut', target, fault: name, t: Date.now() });
      for (const peer of peers) ctx.links.cut(cutOff, peer);
      // The fault hits whoever leads once the ISR shrank.
      const shrunk = await waitFor(
        async () => {
          const p = await describePartitionZero(ctx);
          return p.isr.length < p.replicas.length && p.leader >= 0 ? p : undefined;
        },
        {
          timeoutMs: ctx.timings.settleTimeoutMs,
          intervalMs: 200,
          message: 'the ISR of partition 0 to shrink',
        },
      );
      await killAndRestart(ctx, shrunk.leader, fault.kind === 'shrunk-isr-disk-wiped', name);
      ctx.links.heal();
      ctx.record({ type: 'fault', action: 'heal', target, fault: name, t: Date.now() });
      return;
    }
    default: {
      const { leader, followers } = await partitionZero(ctx);
      await injectSingle(ctx, fault.kind, leader, followers, name);
    }
  }
}

async function injectSingle(
  ctx: FaultContext,
  fault: SingleFault,
  victim: number,
  others: number[],
  name: string,
): Promise<void> {
  const { cluster, links, timings, record } = ctx;
  const jitter = (ms: number) => Math.floor(ctx.random() * ms);
  // Long enough for the session to expire (fencing, a new leader) whatever the load.
  const pastSession = () => timings.sessionTimeoutMs + 1_500 + jitter(1_500);
  switch (fault) {
    case 'leader-kill':
      return killAndRestart(ctx, victim, false, name);
    case 'disk-wiped':
      return killAndRestart(ctx, victim, true, name);
    case 'broker-link-cut': {
      const target = `${linkEndName(victim)}|${linkEndName(others[0]!)}`;
      record({ type: 'fault', action: 'cut', target, fault: name, t: Date.now() });
      links.cut(victim, others[0]!);
      await sleep(timings.replicaLagTimeMaxMs + 1_500 + jitter(1_500));
      links.heal();
      record({ type: 'fault', action: 'heal', target, fault: name, t: Date.now() });
      return;
    }
    case 'coordinator-link-cut': {
      const target = `${linkEndName(victim)}|coordinator`;
      record({ type: 'fault', action: 'cut', target, fault: name, t: Date.now() });
      links.cut(victim, 'coordinator');
      await sleep(pastSession());
      links.heal();
      record({ type: 'fault', action: 'heal', target, fault: name, t: Date.now() });
      return;
    }
    case 'broker-isolated':
      record({ type: 'fault', action: 'isolate', broker: victim, fault: name, t: Date.now() });
      links.isolate(victim);
      await sleep(pastSession());
      links.heal();
      record({ type: 'fault', action: 'heal', broker: victim, fault: name, t: Date.now() });
      return;
    case 'coordinator-kill':
      record({ type: 'fault', action: 'kill', target: 'coordinator', fault: name, t: Date.now() });
      await cluster.coordinator.kill('SIGKILL');
      await sleep(1_000 + jitter(1_500));
      await cluster.coordinator.restart();
      record({ type: 'fault', action: 'restart', target: 'coordinator', fault: name, t: Date.now() });
      return;
    case 'coordinator-pause':
      record({ type: 'fault', action: 'pause', target: 'coordinator', fault: name, t: Date.now() });
      cluster.coordinator.pause();
      await sleep(pastSession());
      cluster.coordinator.resume();
      record({ type: 'fault', action: 'resume', target: 'coordinator', fault: name, t: Date.now() });
      return;
  }
}

/** SIGKILL, optionally a replaced (empty) disk, a short outage, and a restart. */
async function killAndRestart(ctx: FaultContext, broker: number, wipe: boolean, name: string): Promise<void> {
  const node = ctx.cluster.broker(broker);
  ctx.record({ type: 'fault', action: 'kill', broker, fault: name, t: Date.now() });
  await node.kill('SIGKILL');
  if (wipe) {
    rmSync(node.dataDir, { recursive: true, force: true });
    ctx.record({ type: 'fault', action: 'wipe', broker, fault: name, t: Date.now() });
  }
  await sleep(1_000 + Math.floor(ctx.random() * 1_500));
  await node.restart();
  ctx.record({ type: 'fault', action: 'restart', broker, fault: name, t: Date.now() });
}

/** 3 for `broker-3`. */
function brokerIdOf(nodeName: string): number {
  return Number(nodeName.slice('broker-'.length));
}

async function describePartitionZero(ctx: FaultContext) {
  const [topic] = await ctx.admin.describeTopics([ctx.topic]);
  return topic!.partitions.find((p) => p.partition === 0)!;
}

/** The leader of partition 0 and its other replicas, in a random order. */
async function partitionZero(ctx: FaultContext): Promise<{ leader: number; followers: number[] }> {
  // Brokers may be fenced for a moment after a coordinator fault even with a full ISR.
  const p = await waitFor(
    async () => {
      const p = await describePartitionZero(ctx);
      return p.leader >= 0 ? p : undefined;
    },
    { timeoutMs: ctx.timings.settleTimeoutMs, intervalMs: 200, message: 'a leader of partition 0' },
  );
  const followers = p.replicas.filter((id) => id !== p.leader);
  if (ctx.random() < 0.5) followers.reverse();
  return { leader: p.leader, followers };
}
