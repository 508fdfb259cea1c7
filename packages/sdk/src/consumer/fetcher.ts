import {
  type BatchHeader,
  DEFAULT_MAX_DECOMPRESSED_BYTES,
  decodeRecordsOfBatch,
  ErrorCode,
  type Header,
  ProtocolError,
  RECORD_BATCH_OVERHEAD,
  readBatchHeader,
  type v1,
  validateBatch,
} from '@fjord/protocol';
import { FjordError, protocolError } from '../errors.js';
import { RecordDecodeError } from '../record-decode-error.js';
import { type TopicPartition, tpKey } from '../topic-partition.js';
import { FetchedRecord } from './consumer-record.js';
import type { PartitionState } from './partition-state.js';

/** A fetched batch that could not be decoded (see {@link decodeFetched}). */
export interface UndecodableBatch {
  /** The first offset at or after the position that could not be decoded. */
  offset: bigint;
  /** The offset after the batch; undefined when its header cannot be read. */
  nextOffset: bigint | undefined;
  /** The decoder's error. */
  cause: unknown;
}

/** What {@link decodeFetched} found. */
export interface DecodedFetch {
  /** The records at or after the position, up to the first undecodable batch. */
  records: FetchedRecord[];
  /** Where the records end: the position once they are handed out (skips empty/control tails). */
  end: bigint;
  /** The first batch that could not be decoded, if any; `end` is its `offset` then. */
  undecodable?: UndecodableBatch;
}

/**
 * The records of fetched bytes at or after `position`, and where the last complete batch
 * ends. A fetch may start with a batch that begins before `position` (the broker serves whole
 * stored batches) and may end with a batch cut by the byte limit; the first is trimmed, the
 * second ignored (it is fetched again, whole, next time). Control batches carry no user data.
 * Decoding stops at the first batch that fails (its header, CRC, records, or the
 * `maxDecompressedBytes` cap): the records before it are kept, and it is reported as
 * `undecodable`, so that one bad batch does not hide the good ones in front of it.
 */
export function decodeFetched(
  bytes: Buffer,
  position: bigint,
  maxDecompressedBytes = DEFAULT_MAX_DECOMPRESSED_BYTES,
  where: TopicPartition = { topic: '', partition: -1 },
): DecodedFetch {
  const complete = completePrefix(bytes);
  let end = position;
  let records: FetchedRecord[] = [];
  const build = (
    header: BatchHeader,
    offsetDelta: number,
    timestamp: number,
    key: Buffer | null,
    value: Buffer | null,
    headers: readonly Header[],
  ) =>
    new FetchedRecord(
      where.topic,
      where.partition,
      header.baseOffset,
      offsetDelta,
      timestamp,
      key,
      value,
      headers,
    );
  for (let at = 0; at < complete.length; ) {
    let header: BatchHeader;
    try {
      header = readBatchHeader(complete, at);
    } catch (cause) {
      return { records, end, undecodable: { offset: end, nextOffset: undefined, cause } };
    }
    const batch = complete.subarray(at, at + header.sizeInBytes);
    at += header.sizeInBytes;
    const batchEnd = header.baseOffset + BigInt(header.lastOffsetDelta) + 1n;
    if (batchEnd <= position) continue;
    // Offset deltas are dense (validateBatch checks it): the records before the position are
    // the batch's first ones, skipped without being built.
    const skip = header.baseOffset < position ? Number(position - header.baseOffset) : 0;
    let decoded: FetchedRecord[] = [];
    try {
      if (header.isControl) validateBatch(batch);
      else decoded = decodeRecordsOfBatch(batch, { maxDecompressedBytes }, skip, build).records;
    } catch (cause) {
      const offset = header.baseOffset > position ? header.baseOffset : position;
      return { records, end: offset, undecodable: { offset, nextOffset: batchEnd, cause } };
    }
    if (batchEnd > end) end = batchEnd;
    if (records.length === 0) records = decoded;
    else for (const record of decoded) records.push(record);
  }
  return { records, end };
}

// The longest prefix of `bytes` made of whole batches (batchLength is at byte 8, int32).
function completePrefix(bytes: Buffer): Buffer {
  let pos = 0;
  while (bytes.length - pos >= RECORD_BATCH_OVERHEAD) {
    const size = bytes.readInt32BE(pos + 8) + 12;
    if (size < RECORD_BATCH_OVERHEAD || pos + size > bytes.length) break;
    pos += size;
  }
  return bytes.subarray(0, pos);
}

/** Limits of one fetch request. */
export interface FetchLimits {
  maxWaitMs: number;
  minBytes: number;
  maxBytes: number;
  maxPartitionBytes: number;
}

/** A partition in a fetch request, with the state generation it was asked for. */
export interface FetchTarget {
  state: PartitionState;
  fetchOffset: bigint;
  generation: number;
  leaderEpoch: number;
}

/** The Fetch request for partitions led by one broker. */
export function buildFetchRequest(targets: readonly FetchTarget[], limits: FetchLimits): v1.FetchRequest {
  const byTopic = new Map<string, v1.FetchPartition[]>();
  for (const t of targets) {
    const partitions = byTopic.get(t.state.topic) ?? [];
    partitions.push({
      partition: t.state.partition,
      fetchOffset: t.fetchOffset.toString(),
      partitionMaxBytes: limits.maxPartitionBytes,
      currentLeaderEpoch: t.leaderEpoch,
    });
    byTopic.set(t.state.topic, partitions);
  }
  return {
    replicaId: -1,
    maxWaitMs: limits.maxWaitMs,
    minBytes: limits.minBytes,
    maxBytes: limits.maxBytes,
    topics: [...byTopic].map(([topic, partitions]) => ({ topic, partitions })),
  };
}

/** What applying a fetch response found that the consumer must act on. */
export interface FetchOutcome {
  /** Partitions whose fetch failed retriably (refresh metadata, back off). */
  retriable: Array<{ state: PartitionState; error: FjordError }>;
  /** Partitions whose position is out of range (reset or report, per autoOffsetReset). */
  outOfRange: Array<{ state: PartitionState; offset: bigint }>;
  /** Partitions whose fetch failed for good: report the error to poll(), and back off. */
  fatal: Array<{ state: PartitionState; error: FjordError }>;
}

/**
 * Applies a fetch response to the partition states it was asked for. A partition that was
 * sought, reset or unassigned since the request went out is left alone (its generation moved).
 * A compressed batch may not expand beyond `maxBatchBytes(topic)` (the topic's
 * max.message.bytes), so that a small batch cannot grow into gigabytes in the consumer.
 * With `onlyChanges` (a fetch session's answer) a partition left out had nothing new; in a
 * unary Fetch's answer it is a server hiccup, retried.
 */
export function applyFetchResponse(
  targets: readonly FetchTarget[],
  response: v1.FetchResponse__Output,
  maxBatchBytes: (topic: string) => number = () => DEFAULT_MAX_DECOMPRESSED_BYTES,
  onlyChanges = false,
): FetchOutcome {
  const outcome: FetchOutcome = { retriable: [], outOfRange: [], fatal: [] };
  const results = new Map<string, v1.FetchPartitionResult__Output>();
  for (const topic of response.topics) {
    for (const p of topic.partitions) results.set(tpKey({ topic: topic.topic, partition: p.partition }), p);
  }
  for (const target of targets) {
    const { state } = target;
    if (state.generation !== target.generation || state.position !== target.fetchOffset) continue;
    const result = results.get(tpKey(state));
    const where = { topic: state.topic, partition: state.partition };
    if (!result) {
      // A fetch session's answer names only the partitions with records or an error.
      if (onlyChanges) continue;
      const error = protocolError(
        ErrorCode.UNKNOWN_SERVER_ERROR,
        'the broker did not answer for this partition',
        where,
      );
      outcome.retriable.push({ state, error: asRetriable(error) });
      continue;
    }
    if (result.errorCode === ErrorCode.OFFSET_OUT_OF_RANGE) {
      outcome.outOfRange.push({ state, offset: target.fetchOffset });
      continue;
    }
    if (result.errorCode !== ErrorCode.NONE) {
      const error = protocolError(result.errorCode, result.errorMessage, where);
      if (error.retriable) outcome.retriable.push({ state, error });
      else outcome.fatal.push({ state, error });
      continue;
    }
    state.highWatermark = BigInt(result.highWatermark);
    const { records, end, undecodable } = decodeFetched(
      result.records,
      target.fetchOffset,
      maxBatchBytes(state.topic),
      where,
    );
    state.buffered = records;
    state.bufferEnd = end;
    if (undecodable) {
      state.undecodable = decodeError(undecodable, where);
    } else {
      // Not reset by a batch that failed to decode: each poll that meets it waits longer.
      state.failures = 0;
    }
  }
  return outcome;
}

function decodeError(
  batch: UndecodableBatch,
  where: { topic: string; partition: number },
): RecordDecodeError {
  const cause =
    batch.cause instanceof ProtocolError
      ? protocolError(batch.cause.code, batch.cause.message, where, { cause: batch.cause })
      : FjordError.from(batch.cause);
  const skip =
    batch.nextOffset === undefined ? 'its header is unreadable' : `seek to ${batch.nextOffset} to skip it`;
  const detail = batch.cause instanceof Error ? batch.cause.message : String(batch.cause);
  return new RecordDecodeError(
    `cannot decode the record batch at offset ${batch.offset} of topic "${where.topic}" partition ` +
      `${where.partition} (${skip}): ${detail}`,
    { ...where, offset: batch.offset, nextOffset: batch.nextOffset },
    { cause },
  );
}

// A partition missing from the answer is a server hiccup, worth another try.
function asRetriable(error: FjordError): FjordError {
  return new FjordError(error.message, { code: error.code, retriable: true }, { cause: error });
}
