import { ErrorCode, grpcRequestError, type v1 } from '@fjord/protocol';
import * as grpc from '@grpc/grpc-js';
import type { HostedPartition } from '../cluster/hosted-replicas.js';
import type { PreparedAppend } from '../log/partition-log.js';
import { ProducerSequenceError } from '../log/producer-state.js';
import type { WriteOp } from '../log/write-queue.js';
import type { ClientByteRateQuota } from '../quotas/client-quotas.js';
import { waitForIsrAck } from './acks-waiter.js';
import { validateProduceRequest } from './batch-validation.js';
import { type CallAccess, resolveAllowed, UNRESTRICTED_ACCESS } from './call-access.js';
import type { BrokerServiceDeps } from './service-deps.js';

const VALID_ACKS = new Set([0, 1, -1]);

interface Target {
  topicIndex: number;
  topic: string;
  partition: number;
  records: Buffer;
}

interface Outcome {
  result: v1.ProducePartitionResult;
  prepared?: PreparedAppend;
  hosted?: HostedPartition;
}

/** A produce request whose offsets are assigned; `answer` settles once it may be answered. */
export interface StartedProduce {
  readonly answer: Promise<v1.ProduceResponse>;
}

/**
 * Produce: resolve every partition (one metadata refresh at most), validate its batches,
 * assign offsets synchronously, then write all partitions of the request in ONE storage
 * write (group-committed with concurrent requests). Answers after the write (acks=1), once
 * every in-sync replica has the batch (acks=-1, refused up front with NOT_ENOUGH_REPLICAS
 * when the ISR is below min.insync.replicas), or at once (acks=0). The acks=all wait lasts
 * the request's timeout_ms, at most the broker's maxAckWaitMs, and ends when `cancelled`
 * aborts (the client gave up: nobody would read the answer).
 *
 * Partitions of topics in `access.deniedTopics` are answered TOPIC_AUTHORIZATION_FAILED and
 * the rest goes ahead. With a produce byte-rate quota, a client still muted by an earlier
 * throttle is held until its mute ends, and the request's record bytes are counted once it is
 * answered: over the quota, the answer carries throttle_time_ms and the client is muted for it.
 *
 * An idempotent batch whose predecessor has not been stored is refused at once with
 * OUT_OF_ORDER_SEQUENCE_NUMBER (nothing of it is stored); a producer that needs its requests
 * to arrive in order sends them on one ProduceStream (or one Kafka connection), whose requests
 * go through {@link startProduce} one after the other.
 */
export async function produce(
  deps: BrokerServiceDeps,
  request: v1.ProduceRequest__Output,
  cancelled?: AbortSignal,
  access: CallAccess = UNRESTRICTED_ACCESS,
): Promise<v1.ProduceResponse> {
  return (await startProduce(deps, request, cancelled, access)).answer;
}

/**
 * The first half of {@link produce}: resolves once the request's offsets are assigned and its
 * storage write is queued (or it was refused), so that a caller that starts the next request
 * only then keeps their order; the write, the acks=all wait and the quota accounting go on in
 * `answer`. Throws, as produce does, for a request refused as a whole.
 */
export async function startProduce(
  deps: BrokerServiceDeps,
  request: v1.ProduceRequest__Output,
  cancelled?: AbortSignal,
  access: CallAccess = UNRESTRICTED_ACCESS,
): Promise<StartedProduce> {
  if (!VALID_ACKS.has(request.acks)) {
    throw grpcRequestError(
      grpc.status.INVALID_ARGUMENT,
      ErrorCode.INVALID_REQUIRED_ACKS,
      `acks must be 0, 1 or -1 (all), got ${request.acks}`,
    );
  }
  const quota = access.quotaClient && deps.quotas?.produce.enabled ? deps.quotas.produce : undefined;
  if (quota && access.quotaClient) {
    const signal = cancelled ? AbortSignal.any([cancelled, deps.shutdownSignal]) : deps.shutdownSignal;
    await quota.whileMuted(access.quotaClient, signal);
  }
  const targets: Target[] = request.topics.flatMap((t, topicIndex) =>
    t.partitions.map((p) => ({ topicIndex, topic: t.topic, partition: p.partition, records: p.records })),
  );
  let resolutions = await resolveAllowed(deps.resolver, targets, access, 'WRITE');
  // Before the synchronous part below: validating compressed batches may yield meanwhile.
  const checks = await validateProduceRequest(
    targets.map((t, i) => {
      const resolution = resolutions[i]!;
      return resolution.ok ? { ...t, config: resolution.hosted.config } : undefined;
    }),
    deps.nowMs(),
  );
  // Leadership may have moved while validation yielded; a partition refused already stays refused.
  resolutions = resolutions.map((r, i) =>
    r.ok ? deps.resolver.resolveCurrent(targets[i]!.topic, targets[i]!.partition) : r,
  );

  // From here to store.write() nothing awaits: offsets are assigned and queued atomically.
  const nowMs = deps.nowMs();
  const outcomes: Outcome[] = targets.map((target, i): Outcome => {
    const resolution = resolutions[i]!;
    if (!resolution.ok)
      return { result: failed(target.partition, resolution.errorCode, resolution.errorMessage) };
    const { hosted } = resolution;
    if (hosted.log.isDeleted) {
      return {
        result: failed(
          target.partition,
          ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
          `topic "${target.topic}" was deleted`,
        ),
      };
    }
    const refusal = request.acks === -1 ? notEnoughReplicas(hosted) : undefined;
    if (refusal) return { result: failed(target.partition, ErrorCode.NOT_ENOUGH_REPLICAS, refusal) };
    // Validated above: the partition resolved then, as every partition resolved now did.
    const checked = checks[i]!;
    if (!checked.ok) return { result: failed(target.partition, checked.errorCode, checked.errorMessage) };
    const logAppendTimeMs = hosted.config['message.timestamp.type'] === 'LogAppendTime' ? nowMs : null;
    let prepared: PreparedAppend;
    try {
      prepared = hosted.log.prepareAppend(checked.batches, hosted.leaderEpoch, logAppendTimeMs);
    } catch (error) {
      // An idempotent producer's duplicate is answered by prepareAppend; only a sequence that
      // skips ahead or a fenced epoch gets here, and nothing of the partition is stored.
      if (!(error instanceof ProducerSequenceError)) throw error;
      return { result: failed(target.partition, error.errorCode, error.message) };
    }
    return {
      prepared,
      hosted,
      result: {
        partition: target.partition,
        errorCode: ErrorCode.NONE,
        errorMessage: '',
        baseOffset: request.acks === 0 ? '-1' : prepared.baseOffset.toString(),
        logAppendTimeMs: String(logAppendTimeMs ?? -1),
        logStartOffset: hosted.log.logStartOffset.toString(),
      },
    };
  });

  const appends = outcomes.flatMap((o) => (o.prepared ? [o.prepared] : []));
  let write: Promise<void> | undefined;
  if (appends.length > 0) {
    const ops: WriteOp[] = appends.length === 1 ? appends[0]!.ops : appends.flatMap((a) => a.ops);
    write = deps.store.write(ops, {
      onCommit: () => {
        for (const append of appends) append.commit();
      },
      onFail: () => {
        for (const append of appends) append.rollback();
      },
    });
  }
  return { answer: finishProduce(deps, request, targets, outcomes, write, cancelled, quota, access) };
}

/** The second half of produce: the write's outcome, the acks=all wait, the quota's throttle. */
async function finishProduce(
  deps: BrokerServiceDeps,
  request: v1.ProduceRequest__Output,
  targets: readonly Target[],
  outcomes: Outcome[],
  write: Promise<void> | undefined,
  cancelled: AbortSignal | undefined,
  quota: ClientByteRateQuota | undefined,
  access: CallAccess,
): Promise<v1.ProduceResponse> {
  if (write && request.acks === 0) {
    write.catch((error: unknown) => deps.logger.error({ err: error }, 'acks=0 produce write failed'));
  } else if (write) {
    let written = true;
    try {
      await write;
    } catch (error) {
      written = false;
      deps.logger.error({ err: error }, 'produce write failed');
      const message = `storage write failed: ${error instanceof Error ? error.message : String(error)}`;
      for (const outcome of outcomes) {
        if (outcome.prepared) {
          outcome.result = failed(outcome.result.partition ?? 0, ErrorCode.KAFKA_STORAGE_ERROR, message);
        }
      }
    }
    if (written && request.acks === -1) await awaitIsrAcks(deps, request, outcomes, cancelled);
  }
  const response: v1.ProduceResponse = { topics: groupByTopic(request, targets, outcomes) };
  if (quota && access.quotaClient) {
    let bytes = 0;
    for (const target of targets) bytes += target.records.length;
    const throttleTimeMs = quota.recordAndGetThrottleTimeMs(access.quotaClient, bytes);
    quota.throttle(access.quotaClient, throttleTimeMs);
    response.throttleTimeMs = throttleTimeMs;
  }
  return response;
}

/** acks=all: every appended partition waits until each ISR member has its batches. */
async function awaitIsrAcks(
  deps: BrokerServiceDeps,
  request: v1.ProduceRequest__Output,
  outcomes: Outcome[],
  cancelled: AbortSignal | undefined,
): Promise<void> {
  // The client's timeout is a wish; the broker's bound holds even for one that asks more.
  const timeoutMs =
    request.timeoutMs > 0 ? Math.min(request.timeoutMs, deps.maxAckWaitMs) : deps.maxAckWaitMs;
  const signals = cancelled ? [cancelled, deps.shutdownSignal] : [deps.shutdownSignal];
  await Promise.all(
    outcomes.map(async (outcome) => {
      if (!outcome.prepared || !outcome.hosted) return;
      const ack = await waitForIsrAck(
        deps.resolver,
        outcome.hosted,
        outcome.prepared.endOffset,
        timeoutMs,
        signals,
      );
      if (ack.errorCode !== ErrorCode.NONE) {
        outcome.result = failed(outcome.result.partition ?? 0, ack.errorCode, ack.errorMessage);
      }
    }),
  );
}

/** Why an acks=all write is refused before appending (ISR below min.insync.replicas), if it is. */
function notEnoughReplicas(hosted: HostedPartition): string | undefined {
  const minIsr = hosted.config['min.insync.replicas'];
  if (hosted.isr.length >= minIsr) return undefined;
  return (
    `the ISR of ${hosted.topic}/${hosted.partition} is [${hosted.isr.join(',')}], ` +
    `fewer than min.insync.replicas=${minIsr}; acks=all writes are refused`
  );
}

function failed(partition: number, errorCode: number, errorMessage: string): v1.ProducePartitionResult {
  return {
    partition,
    errorCode,
    errorMessage,
    baseOffset: '-1',
    logAppendTimeMs: '-1',
    logStartOffset: '-1',
  };
}

function groupByTopic(
  request: v1.ProduceRequest__Output,
  targets: readonly Target[],
  outcomes: readonly Outcome[],
): v1.ProduceTopicResult[] {
  const topics: v1.ProduceTopicResult[] = request.topics.map((t) => ({ topic: t.topic, partitions: [] }));
  targets.forEach((target, i) => {
    topics[target.topicIndex]!.partitions!.push(outcomes[i]!.result);
  });
  return topics;
}
