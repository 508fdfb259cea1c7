import { ApiKey, type KafkaStruct, ZERO_UUID } from '@fjord/kafka-protocol';
import { ErrorCode } from '@fjord/protocol';
import { endOffsetForEpoch } from '../../replication/replica-log.js';
import { fetch } from '../../server/fetch.js';
import { asStructs, type KafkaApi } from '../api.js';
import type { KafkaDeps } from '../kafka-deps.js';

/** Kafka's UNKNOWN_TOPIC_ID (v13+ name topics by id). */
const UNKNOWN_TOPIC_ID = 100;

/** Kafka's FETCH_SESSION_ID_NOT_FOUND: the listener never creates incremental fetch sessions. */
const FETCH_SESSION_ID_NOT_FOUND = 70;

/**
 * Fetch v4–13: the broker's own fetch core (the gRPC path's), so long-polling (maxWaitMs,
 * minBytes), byte limits, the high watermark and leader-epoch checks are the same, and the
 * stored RecordBatch v2 bytes go to the client as they are. Fetch sessions (v7+) are always
 * declined with session id 0, which tells the client to keep sending full requests; the last
 * stable offset is the high watermark (no transactions); preferredReadReplica is -1 (read
 * from the leader). Kafka clients are always consumers here: followers use gRPC. A v12
 * partition naming the epoch of its last fetched batch is checked for divergence as Kafka
 * does (the end offset of that epoch below the fetch offset, or the epoch unknown): it gets
 * DivergingEpoch and no records. v13 names topics by id (UNKNOWN_TOPIC_ID for an id this
 * broker does not host). Partitions of a topic the principal may not READ are answered
 * TOPIC_AUTHORIZATION_FAILED without records; the rest are fetched.
 */
export function fetchApi(deps: KafkaDeps): KafkaApi {
  return {
    apiKey: ApiKey.Fetch,
    minVersion: 4,
    maxVersion: 13,
    notes:
      "The gRPC path's fetch core: long-poll, byte limits, leader-epoch checks; stored batches as they are. Fetch sessions are declined (session id 0), so clients send full requests.",
    async handle(request, { header, signal, access }) {
      if ((request.sessionId as number) !== 0) {
        return { throttleTimeMs: 0, errorCode: FETCH_SESSION_ID_NOT_FOUND, sessionId: 0, responses: [] };
      }
      const byId = header.apiVersion >= 13;
      const named = asStructs(request.topics).map((t) =>
        byId ? { ...t, topic: topicNameOf(deps, t.topicId as string) } : t,
      );
      const unknownIds = named.filter((t) => t.topic === undefined);
      const known = named.filter((t) => t.topic !== undefined);
      const readable = access.allowedNames(
        'READ',
        'TOPIC',
        known.map((t) => t.topic as string),
      );
      const all = known.filter((t) => readable.has(t.topic as string));
      const denied = known.filter((t) => !readable.has(t.topic as string));
      const diverged = new Map<string, { epoch: number; endOffset: bigint }>();
      for (const t of all) {
        for (const p of asStructs(t.partitions)) {
          const found = divergence(deps, t.topic as string, p);
          if (found) diverged.set(`${t.topic}:${p.partition}`, found);
        }
      }
      const topics: KafkaStruct[] = all.map((t) => ({
        ...t,
        partitions: asStructs(t.partitions).filter((p) => !diverged.has(`${t.topic}:${p.partition}`)),
      }));
      const answer = await fetch(
        deps.broker,
        {
          replicaId: -1,
          maxWaitMs: request.maxWaitMs as number,
          minBytes: request.minBytes as number,
          maxBytes: request.maxBytes as number,
          topics: topics.map((t) => ({
            topic: t.topic as string,
            partitions: asStructs(t.partitions).map((p) => ({
              partition: p.partition as number,
              fetchOffset: String(p.fetchOffset as bigint),
              partitionMaxBytes: p.partitionMaxBytes as number,
              currentLeaderEpoch: p.currentLeaderEpoch as number,
            })),
          })),
        },
        signal,
      );
      const responses: KafkaStruct[] = (answer.topics ?? []).map((t, i) => ({
        topic: t.topic,
        topicId: (all[i]?.topicId as string | undefined) ?? ZERO_UUID,
        partitions: (t.partitions ?? []).map((p) => ({
          partitionIndex: p.partition,
          errorCode: p.errorCode,
          highWatermark: p.highWatermark,
          lastStableOffset: p.highWatermark,
          logStartOffset: p.logStartOffset,
          abortedTransactions: [],
          preferredReadReplica: -1,
          // The Kafka codec writes one buffer: the stored batches are joined here.
          records: p.records.length === 1 ? p.records[0]! : Buffer.concat(p.records),
        })),
      }));
      for (const [key, divergingEpoch] of diverged) {
        const at = key.lastIndexOf(':');
        const topic = key.slice(0, at);
        let entry = responses.find((r) => r.topic === topic);
        if (!entry) {
          entry = {
            topic,
            topicId: deps.broker.replicas.topic(topic)?.values().next().value?.topicId ?? ZERO_UUID,
            partitions: [],
          };
          responses.push(entry);
        }
        const hosted = deps.broker.replicas.get(topic, Number(key.slice(at + 1)));
        (entry.partitions as KafkaStruct[]).push({
          partitionIndex: Number(key.slice(at + 1)),
          errorCode: 0,
          highWatermark: hosted?.log.highWatermark ?? -1n,
          lastStableOffset: hosted?.log.highWatermark ?? -1n,
          logStartOffset: hosted?.log.logStartOffset ?? -1n,
          divergingEpoch,
          abortedTransactions: [],
          preferredReadReplica: -1,
          records: Buffer.alloc(0),
        });
      }
      for (const t of denied) {
        responses.push({
          topic: t.topic,
          topicId: (t.topicId as string | undefined) ?? ZERO_UUID,
          partitions: asStructs(t.partitions).map((p) =>
            emptyPartition(p, ErrorCode.TOPIC_AUTHORIZATION_FAILED),
          ),
        });
      }
      for (const t of unknownIds) {
        responses.push({
          topicId: t.topicId,
          partitions: asStructs(t.partitions).map((p) => ({
            partitionIndex: p.partition,
            errorCode: UNKNOWN_TOPIC_ID,
            highWatermark: -1n,
            lastStableOffset: -1n,
            logStartOffset: -1n,
            abortedTransactions: [],
            preferredReadReplica: -1,
            records: Buffer.alloc(0),
          })),
        });
      }
      return { throttleTimeMs: 0, errorCode: 0, sessionId: 0, responses };
    },
  };
}

/** A partition answered with an error and nothing else. */
function emptyPartition(partition: KafkaStruct, errorCode: number): KafkaStruct {
  return {
    partitionIndex: partition.partition,
    errorCode,
    highWatermark: -1n,
    lastStableOffset: -1n,
    logStartOffset: -1n,
    abortedTransactions: [],
    preferredReadReplica: -1,
    records: Buffer.alloc(0),
  };
}

/**
 * Kafka's divergence check for a fetch that names its last fetched epoch (v12+): the largest
 * epoch up to it and that epoch's end offset, when the log diverges from what the client
 * has; undefined when it does not, or when the check does not apply (no epoch given, or this
 * broker does not lead the partition: the fetch core answers that).
 */
function divergence(deps: KafkaDeps, topic: string, partition: KafkaStruct) {
  const lastFetchedEpoch = partition.lastFetchedEpoch as number;
  if (lastFetchedEpoch < 0) return undefined;
  const hosted = deps.broker.replicas.get(topic, partition.partition as number);
  if (!hosted || hosted.leader !== deps.brokerId || hosted.log.isDeleted) return undefined;
  const { log } = hosted;
  const found =
    lastFetchedEpoch >= hosted.leaderEpoch
      ? { epoch: hosted.leaderEpoch, endOffset: log.logEndOffset }
      : endOffsetForEpoch(log.leaderEpochCache, log.logEndOffset, lastFetchedEpoch);
  const fetchOffset = partition.fetchOffset as bigint;
  return found.epoch < lastFetchedEpoch || found.endOffset < fetchOffset ? found : undefined;
}

/** The name of a topic this broker hosts, by its id (Fetch v13+). */
function topicNameOf(deps: KafkaDeps, topicId: string): string | undefined {
  return deps.broker.replicas.all().find((p) => p.topicId === topicId)?.topic;
}
