import {
  ErrorCode,
  type FetchAnswer,
  type FetchPartitionAnswer,
  type FetchTopicAnswer,
  MAX_GRPC_MESSAGE_BYTES,
  totalLength,
  type v1,
} from '@fjord/protocol';
import type { HostedPartition } from '../cluster/hosted-replicas.js';
import { anyAborted, type StopSignals, waitForAppend } from './append-waiter.js';
import {
  type CallAccess,
  resolveAllowed,
  resolveCurrentAllowed,
  UNRESTRICTED_ACCESS,
} from './call-access.js';
import {
  DEFAULT_FETCH_MAX_BYTES,
  DEFAULT_PARTITION_MAX_BYTES,
  MAX_FETCH_WAIT_MS,
  RESPONSE_HEADROOM_BYTES,
} from './fetch-limits.js';
import type { Resolution } from './partition-resolver.js';
import type { BrokerServiceDeps } from './service-deps.js';

interface Target {
  topicIndex: number;
  topic: string;
  request: v1.FetchPartition__Output;
}

interface ReadRound {
  topics: FetchTopicAnswer[];
  sizeBytes: number;
  hasError: boolean;
}

/**
 * Fetch: reads stored batches from each partition's fetch offset up to the high watermark,
 * within partition_max_bytes and max_bytes (the first partition with data always returns
 * at least one batch). With fewer than min_bytes available it long-polls: it waits for an
 * append to any requested partition (or max_wait_ms, or cancellation), then reads again.
 *
 * Partitions of topics in `access.deniedTopics` are answered TOPIC_AUTHORIZATION_FAILED and
 * neither end the long poll nor keep it going. A consumer fetch (not a replica's) counts the
 * bytes it answers against the fetch byte-rate quota, as Kafka: a client still muted is held
 * until its mute ends; an answer that would put the client over the quota goes out with no
 * records (the bytes taken back) and throttle_time_ms, and the client is muted for that time.
 *
 * Each partition's records are the stored batches as a list, not concatenated: the gRPC
 * answer is written by `encodeFetchResponse` (one copy), and the Kafka listener joins them.
 */
export async function fetch(
  deps: BrokerServiceDeps,
  request: v1.FetchRequest__Output,
  cancelled: AbortSignal | StopSignals,
  access: CallAccess = UNRESTRICTED_ACCESS,
): Promise<FetchAnswer> {
  const signals = [...(Array.isArray(cancelled) ? cancelled : [cancelled]), deps.shutdownSignal];
  const quota =
    request.replicaId < 0 && access.quotaClient && deps.quotas?.fetch.enabled ? deps.quotas.fetch : undefined;
  if (quota && access.quotaClient) await quota.whileMuted(access.quotaClient, AbortSignal.any(signals));
  const deadline = Date.now() + Math.min(Math.max(request.maxWaitMs, 0), MAX_FETCH_WAIT_MS);
  const minBytes = Math.max(request.minBytes, 1);
  const maxBytes = Math.min(
    request.maxBytes > 0 ? request.maxBytes : DEFAULT_FETCH_MAX_BYTES,
    MAX_GRPC_MESSAGE_BYTES - RESPONSE_HEADROOM_BYTES,
  );
  const targets: Target[] = request.topics.flatMap((t, topicIndex) =>
    t.partitions.map((p) => ({ topicIndex, topic: t.topic, request: p })),
  );
  let resolutions = await resolveAllowed(
    deps.resolver,
    targets.map((t) => ({ topic: t.topic, partition: t.request.partition })),
    access,
    'READ',
  );
  const nothingAllowed = targets.length > 0 && targets.every((t) => access.deniedTopics.has(t.topic));
  for (;;) {
    const round = await readRound(deps.replication, request, targets, resolutions, maxBytes);
    const remainingMs = deadline - Date.now();
    if (
      nothingAllowed ||
      round.hasError ||
      round.sizeBytes >= minBytes ||
      remainingMs <= 0 ||
      anyAborted(signals)
    ) {
      return quota && access.quotaClient
        ? withinFetchQuota(quota, access.quotaClient, round)
        : { topics: round.topics, throttleTimeMs: 0 };
    }
    const logs = resolutions.flatMap((r) => (r.ok ? [r.hosted.log] : []));
    await waitForAppend(logs, remainingMs, signals);
    // Leadership or the topic itself may have changed while we waited.
    resolutions = targets.map((t) =>
      resolveCurrentAllowed(deps.resolver, t.topic, t.request.partition, access, 'READ'),
    );
  }
}

/**
 * Counts an answer against the fetch quota (Kafka's handleFetchRequest): within it, the answer
 * as read; over it, every partition without its records, the bytes taken back (they are not
 * sent), and the throttle time, for which the client is muted.
 */
function withinFetchQuota(
  quota: NonNullable<BrokerServiceDeps['quotas']>['fetch'],
  client: NonNullable<CallAccess['quotaClient']>,
  round: ReadRound,
): FetchAnswer {
  const throttleTimeMs = quota.recordAndGetThrottleTimeMs(client, round.sizeBytes);
  if (throttleTimeMs === 0) return { topics: round.topics, throttleTimeMs: 0 };
  quota.unrecord(client, round.sizeBytes);
  quota.throttle(client, throttleTimeMs);
  for (const topic of round.topics) for (const partition of topic.partitions) partition.records = [];
  return { topics: round.topics, throttleTimeMs };
}

async function readRound(
  replication: BrokerServiceDeps['replication'],
  request: v1.FetchRequest__Output,
  targets: readonly Target[],
  resolutions: readonly Resolution[],
  maxBytes: number,
): Promise<ReadRound> {
  const round: ReadRound = {
    topics: request.topics.map((t) => ({ topic: t.topic, topicId: '', partitions: [] })),
    sizeBytes: 0,
    hasError: false,
  };
  for (const [i, target] of targets.entries()) {
    const resolution = resolutions[i]!;
    const topicResult = round.topics[target.topicIndex]!;
    let result: FetchPartitionAnswer;
    if (resolution.ok) {
      topicResult.topicId = resolution.hosted.topicId;
      result = await readPartition(
        resolution.hosted,
        target.request,
        maxBytes - round.sizeBytes,
        round.sizeBytes === 0,
        request.replicaId,
        replication,
      );
    } else {
      result = failed(target.request.partition, resolution.errorCode, resolution.errorMessage);
    }
    // A denied topic is no reason to answer early: the allowed partitions may still get data.
    if (result.errorCode !== ErrorCode.NONE && result.errorCode !== ErrorCode.TOPIC_AUTHORIZATION_FAILED)
      round.hasError = true;
    round.sizeBytes += totalLength(result.records);
    topicResult.partitions.push(result);
  }
  return round;
}

async function readPartition(
  hosted: HostedPartition,
  request: v1.FetchPartition__Output,
  budgetBytes: number,
  minOneBatch: boolean,
  replicaId: number,
  replication: BrokerServiceDeps['replication'],
): Promise<FetchPartitionAnswer> {
  const { log, partition } = hosted;
  if (log.isDeleted)
    return failed(partition, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `topic "${hosted.topic}" was deleted`);
  const epochError = checkLeaderEpoch(hosted, request.currentLeaderEpoch);
  if (epochError) return epochError;
  const fetchOffset = BigInt(request.fetchOffset);
  const outOfRange = () =>
    failed(
      partition,
      ErrorCode.OFFSET_OUT_OF_RANGE,
      `fetch offset ${fetchOffset} is out of range for ${hosted.topic}/${partition}: ` +
        `valid offsets are ${log.logStartOffset} to ${log.logEndOffset}`,
      hosted,
    );
  if (fetchOffset < log.logStartOffset || fetchOffset > log.logEndOffset) return outOfRange();
  const follower = replicaId >= 0;
  if (follower) {
    if (!hosted.replicas.includes(replicaId)) {
      return failed(
        partition,
        ErrorCode.NOT_LEADER_OR_FOLLOWER,
        `broker ${replicaId} is not a replica of ${hosted.topic}/${partition}`,
        hosted,
      );
    }
    // The fetch offset is the follower's log end: it moves the high watermark and the ISR.
    replication?.onFollowerFetch(hosted, replicaId, fetchOffset);
  }
  const partitionMaxBytes =
    request.partitionMaxBytes > 0 ? request.partitionMaxBytes : DEFAULT_PARTITION_MAX_BYTES;
  const limit = Math.min(partitionMaxBytes, Math.max(budgetBytes, 0));
  // Followers copy up to the log end; consumers see only records below the high watermark.
  const upTo = follower ? 'logEnd' : 'highWatermark';
  const read =
    limit > 0 || minOneBatch ? await log.read(fetchOffset, limit, minOneBatch, upTo) : { batches: [] };
  // Retention may have moved the log start while we read.
  if (fetchOffset < log.logStartOffset) return outOfRange();
  return {
    partition,
    errorCode: ErrorCode.NONE,
    errorMessage: '',
    highWatermark: log.highWatermark,
    logStartOffset: log.logStartOffset,
    records: read.batches,
  };
}

function checkLeaderEpoch(hosted: HostedPartition, clientEpoch: number): FetchPartitionAnswer | undefined {
  if (clientEpoch < 0 || clientEpoch === hosted.leaderEpoch) return undefined;
  const fenced = clientEpoch < hosted.leaderEpoch;
  return failed(
    hosted.partition,
    fenced ? ErrorCode.FENCED_LEADER_EPOCH : ErrorCode.UNKNOWN_LEADER_EPOCH,
    `leader epoch ${clientEpoch} is ${fenced ? 'older' : 'newer'} than the broker's ${hosted.leaderEpoch} ` +
      `for ${hosted.topic}/${hosted.partition}`,
    hosted,
  );
}

function failed(
  partition: number,
  errorCode: number,
  errorMessage: string,
  hosted?: HostedPartition,
): FetchPartitionAnswer {
  return {
    partition,
    errorCode,
    errorMessage,
    highWatermark: hosted ? hosted.log.highWatermark : -1n,
    logStartOffset: hosted ? hosted.log.logStartOffset : -1n,
    records: [],
  };
}
