import { RECORD_BATCH_OVERHEAD, type v1 } from '@fjord/protocol';
import type * as grpc from '@grpc/grpc-js';
import { ClosedError, FjordError } from '../errors.js';
import { tpKey } from '../topic-partition.js';
import type { FetchLimits, FetchTarget } from './fetcher.js';

/** What the broker holds for one partition of the session, as far as this client knows. */
interface HeldPartition {
  topic: string;
  partition: number;
  fetchOffset: bigint;
  leaderEpoch: number;
}

/** gRPC status UNIMPLEMENTED: the server has no such method. */
const UNIMPLEMENTED = 12;

interface Waiter {
  resolve: (answer: v1.FetchResponse__Output) => void;
  reject: (error: FjordError) => void;
}

/** Opens the FetchStream to the session's broker (the pool's client and the client id). */
export type FetchStreamOpener = () => grpc.ClientDuplexStream<
  v1.FetchSessionRequest,
  v1.FetchResponse__Output
>;

/**
 * The consumer's fetch session with one broker (FetchStream, see broker.proto): it keeps a
 * copy of what the broker holds (partitions, fetch offsets, epochs), sends each round only
 * the difference to the partitions wanted now, and moves its copy as the broker moves its own
 * (past the last batch of each answer with records). One round at a time is in flight; the
 * answers come in order. A stream that breaks fails the round in flight and is forgotten
 * with its copy: the next round opens a new stream and names every partition again, from
 * the consumer's positions, so nothing is skipped or read twice.
 */
export class FetchSession {
  readonly #open: FetchStreamOpener;
  readonly #address: string;
  readonly #held = new Map<string, HeldPartition>();
  readonly #waiting: Waiter[] = [];
  #stream: ReturnType<FetchStreamOpener> | undefined;
  #closed = false;
  #unsupported = false;

  constructor(address: string, open: FetchStreamOpener) {
    this.#address = address;
    this.#open = open;
  }

  /**
   * One round over `targets`: the answer lists only partitions with records or an error.
   * Aborting `cut` ends the broker's wait for data early (the answer still comes and must be
   * applied: the broker moved its offsets). Rejects when the stream breaks, or after
   * `timeoutMs` without an answer (the stream is then cancelled).
   */
  fetch(
    targets: readonly FetchTarget[],
    limits: Omit<FetchLimits, 'maxPartitionBytes'> & { maxPartitionBytes: number },
    timeoutMs: number,
    cut: AbortSignal,
  ): Promise<v1.FetchResponse__Output> {
    if (this.#closed) return Promise.reject(new ClosedError('the fetch session is closed'));
    const stream = this.#streamOpen();
    stream.write({
      replicaId: -1,
      maxWaitMs: limits.maxWaitMs,
      minBytes: limits.minBytes,
      maxBytes: limits.maxBytes,
      topics: this.#changesFor(targets, limits.maxPartitionBytes),
      wakeOnly: false,
    });
    return new Promise((resolve, reject) => {
      const onCut = () => {
        if (this.#stream === stream) stream.write({ wakeOnly: true });
      };
      const timer = setTimeout(() => {
        this.#broken(
          stream,
          FjordError.from(
            new Error(`no fetch answer from ${this.#address} in ${timeoutMs} ms`),
            this.#address,
          ),
        );
      }, timeoutMs);
      const settle = () => {
        clearTimeout(timer);
        cut.removeEventListener('abort', onCut);
      };
      this.#waiting.push({
        resolve: (answer) => {
          settle();
          resolve(answer);
        },
        reject: (error) => {
          settle();
          reject(error);
        },
      });
      if (cut.aborted) onCut();
      else cut.addEventListener('abort', onCut, { once: true });
    });
  }

  /** True once the broker answered that it has no FetchStream (an older broker): use Fetch. */
  get unsupported(): boolean {
    return this.#unsupported;
  }

  /** Ends the stream; a round in flight rejects with ClosedError. */
  close(): void {
    this.#closed = true;
    const stream = this.#stream;
    if (stream) this.#broken(stream, new ClosedError('the fetch session is closed'));
  }

  #streamOpen(): ReturnType<FetchStreamOpener> {
    if (this.#stream) return this.#stream;
    const stream = this.#open();
    this.#stream = stream;
    this.#held.clear();
    stream.on('data', (answer: v1.FetchResponse__Output) => {
      this.#moveHeld(answer);
      this.#waiting.shift()?.resolve(answer);
    });
    stream.on('error', (error: Error) => {
      if ((error as Partial<grpc.ServiceError>).code === UNIMPLEMENTED) this.#unsupported = true;
      this.#broken(stream, FjordError.from(error, this.#address));
    });
    stream.on('end', () =>
      this.#broken(
        stream,
        FjordError.from(new Error(`${this.#address} ended the fetch session`), this.#address),
      ),
    );
    return stream;
  }

  // The stream is gone: every round in flight fails, and the next one starts a new session.
  #broken(stream: ReturnType<FetchStreamOpener>, error: FjordError): void {
    if (this.#stream !== stream) return;
    this.#stream = undefined;
    this.#held.clear();
    stream.cancel();
    for (const waiter of this.#waiting.splice(0)) waiter.reject(error);
  }

  // The session's changes that make the broker hold exactly `targets` at their positions.
  #changesFor(targets: readonly FetchTarget[], partitionMaxBytes: number): v1.FetchSessionTopic[] {
    const byTopic = new Map<string, v1.FetchSessionTopic>();
    const topic = (name: string) => {
      let entry = byTopic.get(name);
      if (!entry) {
        entry = { topic: name, partitions: [], removedPartitions: [] };
        byTopic.set(name, entry);
      }
      return entry;
    };
    const wanted = new Set<string>();
    for (const t of targets) {
      const key = tpKey(t.state);
      wanted.add(key);
      const held = this.#held.get(key);
      if (held && held.fetchOffset === t.fetchOffset && held.leaderEpoch === t.leaderEpoch) continue;
      topic(t.state.topic).partitions!.push({
        partition: t.state.partition,
        fetchOffset: t.fetchOffset.toString(),
        partitionMaxBytes,
        currentLeaderEpoch: t.leaderEpoch,
      });
      this.#held.set(key, {
        topic: t.state.topic,
        partition: t.state.partition,
        fetchOffset: t.fetchOffset,
        leaderEpoch: t.leaderEpoch,
      });
    }
    for (const [key, held] of this.#held) {
      if (wanted.has(key)) continue;
      topic(held.topic).removedPartitions!.push(held.partition);
      this.#held.delete(key);
    }
    return [...byTopic.values()];
  }

  // As the broker does: a partition answered with records moves past the last batch sent.
  #moveHeld(answer: v1.FetchResponse__Output): void {
    for (const topic of answer.topics) {
      for (const p of topic.partitions) {
        if (p.errorCode !== 0 || p.records.length === 0) continue;
        const held = this.#held.get(tpKey({ topic: topic.topic, partition: p.partition }));
        const end = lastBatchEnd(p.records);
        if (held && end !== undefined) held.fetchOffset = end;
      }
    }
  }
}

/** The offset after the last whole batch of `bytes`, undefined when there is none. */
export function lastBatchEnd(bytes: Buffer): bigint | undefined {
  let end: bigint | undefined;
  for (let pos = 0; bytes.length - pos >= RECORD_BATCH_OVERHEAD; ) {
    const size = bytes.readInt32BE(pos + 8) + 12;
    if (size < RECORD_BATCH_OVERHEAD || pos + size > bytes.length) break;
    end = bytes.readBigInt64BE(pos) + BigInt(bytes.readInt32BE(pos + 23) + 1);
    pos += size;
  }
  return end;
}
