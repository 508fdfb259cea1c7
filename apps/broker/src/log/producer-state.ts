import { type BatchHeader, ErrorCode } from '@fjord/protocol';
import { z } from 'zod';

/**
 * Idempotent-producer state of one partition (Kafka's ProducerStateManager without
 * transactions): per producer id, its epoch, the last {@link MAX_KEPT_BATCHES} batches it
 * wrote and when it last wrote. It is enough to answer a retried batch with its original
 * offset and to refuse a batch whose sequence skips ahead or comes from a fenced (older)
 * epoch. A producer id is forgotten `producer.id.expiration.ms` after its last append (as
 * in Kafka), never because other producers wrote: a count limit would let any client evict
 * a producer whose retried first batch would then be appended twice.
 *
 * Entries are immutable: a change replaces the entry, so copying the state (the partition
 * log keeps an on-disk and a queued copy) is a shallow Map copy.
 */

/** Batches kept per producer: the SDK has at most 5 requests in flight per broker (as Kafka). */
export const MAX_KEPT_BATCHES = 5;
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
  /** When this replica last appended a batch of the producer (ms): expiry counts from here. */
  readonly lastAppendMs: number;
  /** Oldest first, at most {@link MAX_KEPT_BATCHES}. */
  readonly batches: readonly ProducerBatchEntry[];
}

/** Producer id -> state, in the order of their last appends (oldest first). */
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
 * Records a batch written at `baseOffset` at `nowMs` (by the leader after
 * {@link checkSequence}, or by a follower copying the leader's batches, which needs no check).
 */
export function recordBatch(
  states: ProducerStates,
  header: BatchHeader,
  baseOffset: bigint,
  nowMs: number,
): void {
  if (!isIdempotent(header)) return;
  const entry = states.get(header.producerId);
  const batch: ProducerBatchEntry = {
    firstSeq: header.baseSequence,
    lastSeq: lastSequenceOf(header),
    baseOffset,
    lastOffset: baseOffset + BigInt(header.lastOffsetDelta),
  };
  const kept = entry && entry.epoch === header.producerEpoch ? entry.batches : [];
  // Delete first: a Map iterates in insertion order, which is then the order of last appends.
  states.delete(header.producerId);
  states.set(header.producerId, {
    epoch: header.producerEpoch,
    lastAppendMs: nowMs,
    batches: [...kept, batch].slice(-MAX_KEPT_BATCHES),
  });
}

/**
 * The producer ids whose last append is `expirationMs` or longer ago. Only the front of the
 * map is looked at (it is ordered by last append), so this is cheap on every append.
 */
export function expiredProducerIds(states: ProducerStates, nowMs: number, expirationMs: number): bigint[] {
  const expired: bigint[] = [];
  for (const [producerId, entry] of states) {
    if (nowMs - entry.lastAppendMs < expirationMs) break;
    expired.push(producerId);
  }
  return expired;
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

const offset = z.string().regex(/^\d+$/).transform(BigInt);
const sequence = z.number().int().min(0).max(MAX_SEQUENCE);
const epochSchema = z.number().int().min(0).max(32767);
const storedBatchesSchema = z.array(z.tuple([sequence, sequence, offset, offset])).max(MAX_KEPT_BATCHES);

function batchesFromStored(batches: Array<[number, number, bigint, bigint]>): ProducerBatchEntry[] {
  return batches.map(([firstSeq, lastSeq, baseOffset, lastOffset]) => ({
    firstSeq,
    lastSeq,
    baseOffset,
    lastOffset,
  }));
}

/**
 * One producer's stored entry (its own key, log/keys.ts): JSON
 * `[epoch, lastAppendMs, [[firstSeq, lastSeq, baseOffset, lastOffset], ...]]`, offsets as
 * decimal strings. About 40 bytes per kept batch.
 */
export function encodeProducerEntry(entry: ProducerEntry): Buffer {
  return Buffer.from(
    JSON.stringify([
      entry.epoch,
      entry.lastAppendMs,
      entry.batches.map((b) => [b.firstSeq, b.lastSeq, b.baseOffset.toString(), b.lastOffset.toString()]),
    ]),
  );
}

const storedEntrySchema = z.tuple([epochSchema, z.number().int(), storedBatchesSchema]);

/** Parses a stored entry; throws when the bytes are not one. */
export function decodeProducerEntry(bytes: Buffer): ProducerEntry {
  const [epoch, lastAppendMs, batches] = storedEntrySchema.parse(JSON.parse(bytes.toString('utf8')));
  return { epoch, lastAppendMs, batches: batchesFromStored(batches) };
}

/**
 * Schema of the whole-state form that older brokers kept inside the partition meta
 * (`[[producerId, epoch, batches], ...]`), read once to move it to per-producer keys. It
 * has no append times: the entries get `lastAppendMs`, so they live one full expiration.
 */
export const legacyProducerStatesSchema = z.array(
  z.tuple([z.string().regex(/^\d+$/).transform(BigInt), epochSchema, storedBatchesSchema]),
);

/** The legacy entries as producer states whose last append is `nowMs`. */
export function producerStatesFromLegacy(
  entries: z.output<typeof legacyProducerStatesSchema>,
  nowMs: number,
): ProducerStates {
  return new Map(
    entries.map(([producerId, epoch, batches]) => [
      producerId,
      { epoch, lastAppendMs: nowMs, batches: batchesFromStored(batches) },
    ]),
  );
}

/**
 * Thrown by an append that is refused before anything changed: a producer's sequence or
 * epoch (or a truncation in progress: partition-log.ts). The produce
 * path answers the partition with `errorCode`.
 */
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
