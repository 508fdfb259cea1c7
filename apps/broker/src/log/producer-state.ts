import { type BatchHeader, ErrorCode } from '@fjord/protocol';
import { z } from 'zod';

/**
 * Idempotent-producer state of one partition (Kafka's ProducerStateManager without
 * transactions): per producer id, its epoch and the last {@link MAX_KEPT_BATCHES} batches it
 * wrote. It is enough to answer a retried batch with its original offset and to refuse a
 * batch whose sequence skips ahead or comes from a fenced (older) epoch.
 *
 * Entries are immutable: a change replaces the entry, so copying the state (the partition
 * log keeps an on-disk and a queued copy) is a shallow Map copy.
 */

/** Batches kept per producer: the SDK has at most 5 requests in flight per broker (as Kafka). */
export const MAX_KEPT_BATCHES = 5;
/**
 * Producers kept per partition; the one that wrote least recently goes first. The state is
 * rewritten with every append (it lives in the partition meta), so it must stay small;
 * Kafka instead expires producer ids after producer.id.expiration.ms. An evicted producer's
 * next batch is refused as out of order, and the SDK starts a new epoch.
 */
export const MAX_PRODUCERS_PER_PARTITION = 1000;
const MAX_SEQUENCE = 2147483647;

/** Where one batch of a producer landed. */
export interface ProducerBatchEntry {
  firstSeq: number;
  lastSeq: number;
  baseOffset: bigint;
  lastOffset: bigint;
}

/** One producer id's state in a partition. */
export interface ProducerEntry {
  readonly epoch: number;
  /** Oldest first, at most {@link MAX_KEPT_BATCHES}. */
  readonly batches: readonly ProducerBatchEntry[];
}

/** Producer id -> state. */
export type ProducerStates = Map<bigint, ProducerEntry>;

/** What to do with a batch: append it, answer it as the duplicate it is, or refuse it. */
export type SequenceCheck =
  | { kind: 'append' }
  | { kind: 'duplicate'; entry: ProducerBatchEntry }
  | { kind: 'refuse'; errorCode: number; errorMessage: string };

/** The sequence after `sequence` (sequences wrap at int32 max, as in Kafka). */
export function nextSequence(sequence: number): number {
  return sequence === MAX_SEQUENCE ? 0 : sequence + 1;
}

/** The sequence of a batch's last record. */
export function lastSequenceOf(header: BatchHeader): number {
  const last = header.baseSequence + header.lastOffsetDelta;
  return last > MAX_SEQUENCE ? last - MAX_SEQUENCE - 1 : last;
}

/** True when the batch carries a producer id (it comes from an idempotent producer). */
export function isIdempotent(header: BatchHeader): boolean {
  return header.producerId >= 0n;
}

/**
 * The leader's check of a batch against the producer's state, before any offset is given:
 * a batch equal to a kept one is a duplicate; the next sequence of the current epoch, or
 * sequence 0 of a new producer or a newer epoch, is appended; an older epoch is fenced
 * (INVALID_PRODUCER_EPOCH); anything else is OUT_OF_ORDER_SEQUENCE_NUMBER.
 */
export function checkSequence(states: ProducerStates, header: BatchHeader): SequenceCheck {
  if (!isIdempotent(header)) return { kind: 'append' };
  const { producerId, producerEpoch: epoch, baseSequence } = header;
  if (epoch < 0 || baseSequence < 0) {
    return refuse(
      ErrorCode.INVALID_RECORD,
      `a batch of producer ${producerId} needs producerEpoch >= 0 and baseSequence >= 0 (got ${epoch}, ${baseSequence})`,
    );
  }
  const entry = states.get(producerId);
  if (entry && epoch < entry.epoch) {
    return refuse(
      ErrorCode.INVALID_PRODUCER_EPOCH,
      `producer ${producerId} epoch ${epoch} is older than the current epoch ${entry.epoch}`,
    );
  }
  if (!entry || epoch > entry.epoch || entry.batches.length === 0) {
    if (baseSequence === 0) return { kind: 'append' };
    return refuse(
      ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
      `producer ${producerId} epoch ${epoch} must start at sequence 0 in this partition, got ${baseSequence}`,
    );
  }
  const lastSeq = lastSequenceOf(header);
  const duplicate = entry.batches.find((b) => b.firstSeq === baseSequence && b.lastSeq === lastSeq);
  if (duplicate) return { kind: 'duplicate', entry: duplicate };
  const expected = nextSequence(entry.batches.at(-1)!.lastSeq);
  if (baseSequence === expected) return { kind: 'append' };
  return refuse(
    ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
    `producer ${producerId} epoch ${epoch}: expected sequence ${expected}, got ${baseSequence}`,
  );
}

/**
 * Records a batch written at `baseOffset` (by the leader after {@link checkSequence}, or by
 * a follower copying the leader's batches, which needs no check).
 */
export function recordBatch(states: ProducerStates, header: BatchHeader, baseOffset: bigint): void {
  if (!isIdempotent(header)) return;
  const entry = states.get(header.producerId);
  const batch: ProducerBatchEntry = {
    firstSeq: header.baseSequence,
    lastSeq: lastSequenceOf(header),
    baseOffset,
    lastOffset: baseOffset + BigInt(header.lastOffsetDelta),
  };
  const kept = entry && entry.epoch === header.producerEpoch ? entry.batches : [];
  // Delete first: a Map iterates in insertion order, which is then write recency.
  states.delete(header.producerId);
  if (states.size >= MAX_PRODUCERS_PER_PARTITION) states.delete(states.keys().next().value as bigint);
  states.set(header.producerId, {
    epoch: header.producerEpoch,
    batches: [...kept, batch].slice(-MAX_KEPT_BATCHES),
  });
}

/**
 * Drops what the state knows of batches at or after `endOffset` (the log was truncated
 * there). A producer left without batches keeps its epoch, so it stays fenced below it.
 */
export function truncateProducerStates(states: ProducerStates, endOffset: bigint): ProducerStates {
  const result: ProducerStates = new Map();
  for (const [producerId, entry] of states) {
    const batches = entry.batches.filter((b) => b.lastOffset < endOffset);
    result.set(producerId, batches.length === entry.batches.length ? entry : { ...entry, batches });
  }
  return result;
}

/** The stored form: [producerId, epoch, [[firstSeq, lastSeq, baseOffset, lastOffset], ...]]. */
export type StoredProducerStates = Array<[string, number, Array<[number, number, string, string]>]>;

/** Converts the state to its stored (JSON) form. */
export function encodeProducerStates(states: ProducerStates): StoredProducerStates {
  return [...states].map(([producerId, entry]) => [
    producerId.toString(),
    entry.epoch,
    entry.batches.map((b) => [b.firstSeq, b.lastSeq, b.baseOffset.toString(), b.lastOffset.toString()]),
  ]);
}

const offset = z.string().regex(/^\d+$/).transform(BigInt);
const sequence = z.number().int().min(0).max(MAX_SEQUENCE);

/** Schema of the stored form; parses to {@link ProducerStates}. */
export const storedProducerStatesSchema = z
  .array(
    z.tuple([
      z.string().regex(/^\d+$/).transform(BigInt),
      z.number().int().min(0).max(32767),
      z.array(z.tuple([sequence, sequence, offset, offset])).max(MAX_KEPT_BATCHES),
    ]),
  )
  .transform(
    (entries): ProducerStates =>
      new Map(
        entries.map(([producerId, epoch, batches]) => [
          producerId,
          {
            epoch,
            batches: batches.map(([firstSeq, lastSeq, baseOffset, lastOffset]) => ({
              firstSeq,
              lastSeq,
              baseOffset,
              lastOffset,
            })),
          },
        ]),
      ),
  );

/** Thrown by an append that a producer's sequence or epoch refuses; nothing was changed. */
export class ProducerSequenceError extends Error {
  constructor(
    readonly errorCode: number,
    message: string,
  ) {
    super(message);
    this.name = 'ProducerSequenceError';
  }
}

function refuse(errorCode: number, errorMessage: string): SequenceCheck {
  return { kind: 'refuse', errorCode, errorMessage };
}
