import { createHash } from 'node:crypto';
import type { v1 } from '@fjord/protocol';
import type { MetadataState, PartitionState, TopicState } from '../metadata/state.js';
import { effectiveTopicConfigs, hostedPartitions, hostedReplica, type TopicPartitionState } from './views.js';

/** How many views sent to one broker are remembered; a broker further behind gets a full list. */
export const VIEWS_REMEMBERED_PER_BROKER = 4;

/** One view of a broker, as remembered: enough to tell what changed since. */
export interface BrokerView {
  /** Identifies the content (the hosted replicas and the brokers list): equal digests, equal views. */
  readonly digest: string;
  /** A fingerprint of each hosted replica's content, by `topicId/partition`. */
  readonly fingerprints: ReadonlyMap<string, string>;
}

/** The current view of a broker, with the partitions it is made of. */
export interface CurrentBrokerView extends BrokerView {
  /** The hosted partitions, sorted by topic name, then partition. */
  readonly partitions: readonly TopicPartitionState[];
}

/** What changed between a view the broker holds and the current one. */
export interface ViewDelta {
  /** Partitions new in the current view or whose replica state differs. */
  readonly changed: TopicPartitionState[];
  /** Replicas of the older view that the current one no longer has. */
  readonly removed: v1.RemovedReplica[];
}

const replicaKey = (topicId: string, partition: number) => `${topicId}/${partition}`;

/**
 * Fingerprints of hosted replicas, per partition state object, with the topic configs they
 * were computed with. The metadata state is immutable and shares unchanged parts (state.ts),
 * so a partition keeps its object until it changes, and a config change replaces the
 * topic's `configs` object: a heartbeat hashes only what changed since the last one.
 */
const fingerprintCache = new WeakMap<
  PartitionState,
  { configs: TopicState['configs']; fingerprint: string }
>();

/** The view of `brokerId` in `state`: its hosted replicas and the `brokers` list. */
export function brokerView(
  state: MetadataState,
  brokerId: number,
  brokers: readonly v1.BrokerInfo[],
): CurrentBrokerView {
  const partitions = hostedPartitions(state, brokerId);
  const fingerprints = new Map<string, string>();
  const configsByTopic = new Map<TopicState, Record<string, string>>();
  const digest = createHash('sha256');
  for (const { topic, partition } of partitions) {
    let cached = fingerprintCache.get(partition);
    if (cached?.configs !== topic.configs) {
      let configs = configsByTopic.get(topic);
      if (!configs) {
        configs = effectiveTopicConfigs(topic);
        configsByTopic.set(topic, configs);
      }
      const replica = JSON.stringify(hostedReplica(topic, partition, configs));
      cached = { configs: topic.configs, fingerprint: createHash('sha256').update(replica).digest('base64') };
      fingerprintCache.set(partition, cached);
    }
    const key = replicaKey(topic.topicId, partition.partition);
    fingerprints.set(key, cached.fingerprint);
    digest.update(key).update(cached.fingerprint);
  }
  digest.update(JSON.stringify(brokers));
  return { digest: digest.digest('hex'), fingerprints, partitions };
}

/**
 * The last few views the coordinator sent each broker, so that a heartbeat answer can carry
 * only what changed since the view the broker says it applied (`known_view_digest`). Views
 * are identified by content, so a remembered view is never stale: the worst a lost entry
 * costs is one complete list.
 */
export class BrokerViewHistory {
  private readonly sent = new Map<number, BrokerView[]>();

  /** Remembers that `view` was sent to `brokerId` (the oldest remembered one is dropped). */
  remember(brokerId: number, view: BrokerView): void {
    const remembered: BrokerView = { digest: view.digest, fingerprints: view.fingerprints };
    const views = (this.sent.get(brokerId) ?? []).filter((v) => v.digest !== view.digest);
    views.push(remembered);
    if (views.length > VIEWS_REMEMBERED_PER_BROKER) views.shift();
    this.sent.set(brokerId, views);
  }

  /**
   * What changed from the view `brokerId` holds (`knownDigest`) to `current`, or undefined
   * when that view is not remembered (then send the complete list).
   */
  delta(brokerId: number, knownDigest: string, current: CurrentBrokerView): ViewDelta | undefined {
    const known = this.sent.get(brokerId)?.find((v) => v.digest === knownDigest);
    if (!known) return undefined;
    const changed = current.partitions.filter(({ topic, partition }) => {
      const key = replicaKey(topic.topicId, partition.partition);
      return known.fingerprints.get(key) !== current.fingerprints.get(key);
    });
    const removed: v1.RemovedReplica[] = [];
    for (const key of known.fingerprints.keys()) {
      if (current.fingerprints.has(key)) continue;
      const slash = key.lastIndexOf('/');
      removed.push({ topicId: key.slice(0, slash), partition: Number(key.slice(slash + 1)) });
    }
    return { changed, removed };
  }
}
