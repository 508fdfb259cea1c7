import { Counter, Gauge, type Registry, RequestMetrics } from '@fjord/observability';
import { type GroupStateName, groupStateName } from '../metadata/group-state.js';
import type { MetadataStore } from '../metadata/metadata-store.js';
import { type EndOffsets, partitionKey } from './end-offsets.js';

const GROUP_STATES: readonly GroupStateName[] = ['Empty', 'Reconciling', 'Stable'];

/**
 * The coordinator's metrics, all on the process registry. Everything but the request
 * metrics is read from the metadata state when Prometheus scrapes (collect() callbacks):
 * the state is the single source of truth, survives restarts through the metadata log, and
 * costs nothing between scrapes. Consumer lag also needs each partition's end offset, which
 * only brokers know: {@link EndOffsets} asks them at scrape time, on the quorum leader only.
 * Every voter applies the same log, so the state gauges read the same on each of them (sum
 * them over one voter, or over the leader: `fjord_coordinator_quorum_leader == 1`).
 */
export class CoordinatorMetrics {
  readonly requests: RequestMetrics;
  /** Requests refused by a per-principal bound; labelled by the bound only (never the principal). */
  readonly principalBoundRefusals: Counter<'bound'>;

  constructor(registry: Registry, store: MetadataStore, endOffsets: EndOffsets) {
    const registers = [registry];
    this.requests = new RequestMetrics(registry, 'fjord_coordinator');
    this.principalBoundRefusals = new Counter({
      name: 'fjord_coordinator_principal_bound_refusals_total',
      help: 'Requests refused THROTTLING_QUOTA_EXCEEDED by a per-principal bound (bound: groups, members, producer_ids)',
      labelNames: ['bound'],
      registers,
    });

    new Gauge({
      name: 'fjord_coordinator_brokers',
      help: 'Registered brokers, by state (live, or fenced after missing their session)',
      labelNames: ['state'],
      registers,
      collect() {
        const brokers = Object.values(store.state.brokers);
        this.set({ state: 'live' }, brokers.filter((b) => !b.fenced).length);
        this.set({ state: 'fenced' }, brokers.filter((b) => b.fenced).length);
      },
    });
    new Gauge({
      name: 'fjord_coordinator_topics',
      help: 'Topics in the cluster',
      registers,
      collect() {
        this.set(Object.keys(store.state.topics).length);
      },
    });
    new Gauge({
      name: 'fjord_coordinator_partitions',
      help: 'Partitions of all topics',
      registers,
      collect() {
        this.set(allPartitions(store).length);
      },
    });
    new Gauge({
      name: 'fjord_coordinator_offline_partitions',
      help: 'Partitions without a leader (no live in-sync replica)',
      registers,
      collect() {
        this.set(allPartitions(store).filter((p) => p.leader < 0).length);
      },
    });
    new Gauge({
      name: 'fjord_coordinator_under_replicated_partitions',
      help: 'Partitions whose ISR is smaller than their replica set',
      registers,
      collect() {
        this.set(allPartitions(store).filter((p) => p.isr.length < p.replicas.length).length);
      },
    });

    new Gauge({
      name: 'fjord_coordinator_groups',
      help: 'Consumer groups, by state (Empty, Reconciling, Stable)',
      labelNames: ['state'],
      registers,
      collect() {
        const counts = new Map<GroupStateName, number>(GROUP_STATES.map((s) => [s, 0]));
        for (const group of Object.values(store.state.groups)) {
          const state = groupStateName(group);
          counts.set(state, (counts.get(state) ?? 0) + 1);
        }
        for (const [state, count] of counts) this.set({ state }, count);
      },
    });
    new Gauge({
      name: 'fjord_coordinator_group_members',
      help: 'Members of each consumer group',
      labelNames: ['group'],
      registers,
      collect() {
        this.reset();
        for (const group of Object.values(store.state.groups)) {
          this.set({ group: group.groupId }, Object.keys(group.members).length);
        }
      },
    });
    new Counter({
      name: 'fjord_coordinator_group_rebalances_total',
      help: 'Rebalances of each consumer group (group epoch bumps: members, subscriptions or partitions changed)',
      labelNames: ['group'],
      registers,
      collect() {
        // The group epoch counts exactly the bumps, and is kept in the metadata log: the
        // counter survives coordinator restarts and cannot miss a bump between scrapes.
        this.reset();
        for (const group of Object.values(store.state.groups)) {
          this.inc({ group: group.groupId }, group.groupEpoch);
        }
      },
    });
    new Gauge({
      name: 'fjord_coordinator_group_lag_records',
      help:
        'Records a consumer group has yet to read in a partition: the partition end offset (high watermark, ' +
        "from its leader's ListOffsets) minus the group's committed offset, at least 0",
      labelNames: ['group', 'topic', 'partition'],
      registers,
      async collect() {
        // Only the leader asks the brokers: three voters would triple the lookups for one answer.
        if (!store.leading) {
          this.reset();
          return;
        }
        const state = store.state;
        const wanted = new Map<string, Set<number>>();
        for (const group of Object.values(state.groups)) {
          for (const [topic, partitions] of Object.entries(group.offsets)) {
            const set = wanted.get(topic) ?? new Set<number>();
            for (const partition of Object.keys(partitions)) set.add(Number(partition));
            wanted.set(topic, set);
          }
        }
        const ends = await endOffsets.get(state, wanted);
        this.reset();
        for (const group of Object.values(state.groups)) {
          for (const [topic, partitions] of Object.entries(group.offsets)) {
            for (const [partition, committed] of Object.entries(partitions)) {
              const end = ends.get(partitionKey(topic, Number(partition)));
              if (end === undefined) continue;
              const lag = end - BigInt(committed.offset);
              this.set({ group: group.groupId, topic, partition }, Number(lag > 0n ? lag : 0n));
            }
          }
        }
      },
    });
  }
}

function allPartitions(store: MetadataStore) {
  return Object.values(store.state.topics).flatMap((topic) => topic.partitions);
}
