import { ErrorCode, ProtocolError, parseTopicConfig, type TopicConfig, type v1 } from '@fjord/protocol';
import { elrChangesForConfigs } from '../election/min-isr-change.js';
import { appendPartitionChanges } from '../election/partition-changes.js';
import { metadataRecord } from '../metadata/records.js';
import { topicByName } from '../metadata/state.js';
import { EVERY_TOPIC, type TopicAccess } from './access/topic-access.js';
import type { CoordinatorContext } from './coordinator-context.js';
import { minInsyncReplicasProblem } from './create-topic-validation.js';

type Overrides = Record<string, string>;

/** Applies set/delete changes to a topic's overrides; returns the new overrides or a problem. */
export function applyConfigChanges(
  overrides: Readonly<Overrides>,
  changes: readonly v1.ConfigChange__Output[],
): { ok: true; overrides: Overrides } | { ok: false; errorMessage: string } {
  const next: Overrides = { ...overrides };
  for (const change of changes) {
    if (change.name.trim() === '') return { ok: false, errorMessage: 'config name must not be empty' };
    if (change.delete) delete next[change.name];
    else next[change.name] = change.value;
  }
  return { ok: true, overrides: next };
}

/**
 * AlterTopicConfigs: per topic, applies every change to the overrides and validates the
 * result as a whole; one AlterTopicConfigs record per topic, or nothing for that topic.
 * A change of `min.insync.replicas` also clears the topic's eligible leader replicas.
 */
export async function alterTopicConfigs(
  ctx: CoordinatorContext,
  request: v1.AlterTopicConfigsRequest__Output,
  access: TopicAccess = EVERY_TOPIC,
): Promise<v1.AlterTopicConfigsResponse> {
  const mentions = new Map<string, number>();
  for (const t of request.topics) mentions.set(t.topic, (mentions.get(t.topic) ?? 0) + 1);

  const results = await ctx.store.propose((proposal) =>
    request.topics.map((entry): v1.TopicResult => {
      const fail = (errorCode: number, errorMessage: string, topicId = ''): v1.TopicResult => ({
        name: entry.topic,
        topicId,
        errorCode,
        errorMessage,
      });
      if ((mentions.get(entry.topic) ?? 0) > 1) {
        return fail(
          ErrorCode.INVALID_REQUEST,
          `topic "${entry.topic}" appears more than once in the request`,
        );
      }
      const denied = access.denied(entry.topic);
      if (denied) return fail(denied.errorCode, denied.errorMessage);
      const topic = topicByName(proposal.state, entry.topic);
      if (!topic) return fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `topic "${entry.topic}" does not exist`);
      const changed = applyConfigChanges(topic.configs, entry.changes);
      if (!changed.ok) return fail(ErrorCode.INVALID_CONFIG, changed.errorMessage, topic.topicId);
      let config: TopicConfig;
      try {
        config = parseTopicConfig(changed.overrides);
      } catch (error) {
        if (error instanceof ProtocolError) return fail(error.code, error.message, topic.topicId);
        throw error;
      }
      // The smallest replica set counts: every partition must be able to satisfy it.
      const replicationFactor = Math.min(...topic.partitions.map((p) => p.replicas.length));
      const minIsrProblem = minInsyncReplicasProblem(config, replicationFactor);
      if (minIsrProblem) return fail(ErrorCode.INVALID_CONFIG, minIsrProblem, topic.topicId);
      if (!sameOverrides(topic.configs, changed.overrides)) {
        const elrChanges = elrChangesForConfigs(topic, changed.overrides);
        proposal.append(
          metadataRecord({ type: 'AlterTopicConfigs', topicId: topic.topicId, configs: changed.overrides }),
        );
        appendPartitionChanges(proposal, elrChanges);
      }
      return { name: entry.topic, topicId: topic.topicId, errorCode: ErrorCode.NONE, errorMessage: '' };
    }),
  );
  return { topics: results };
}

function sameOverrides(a: Readonly<Overrides>, b: Readonly<Overrides>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => b[k] === a[k]);
}
