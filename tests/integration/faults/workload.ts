import type { Fjord, Producer } from '@fjord/sdk';
import { sleep } from '@fjord/testkit';
import { range } from '../helpers.js';
import type { HistoryEvent } from '../history/checker.js';

const SEND_FAILURE_BACKOFF_MS = 100;

/** Options of {@link startWorkload}. */
export interface WorkloadOptions {
  fjord: Fjord;
  topic: string;
  partitions: number;
  producers: number;
  /** Keys per producer: per-key order is what the checker judges. */
  keysPerProducer: number;
  /** Bound on one send, retries included: a stalled cluster fails the send (indeterminate). */
  deliveryTimeoutMs: number;
  record: (event: HistoryEvent) => void;
}

/** A running workload: {@link stop} ends it and closes its clients. */
export interface Workload {
  /** Acknowledged records so far. */
  acked(): number;
  /** Failed sends so far, by error message (first 160 characters). */
  failures(): ReadonlyMap<string, number>;
  stop(): Promise<void>;
}

/**
 * Idempotent acks=all producers sending batches of keyed records without pause, and one
 * consumer polling every partition all the time; every send, ack, failure and read goes
 * to the history. A record's value is its id, so the checker finds it in the final log.
 */
export async function startWorkload(options: WorkloadOptions): Promise<Workload> {
  const { fjord, topic, record } = options;
  let stopping = false;
  let acked = 0;
  const failures = new Map<string, number>();
  const producers: Producer[] = range(0, options.producers).map(() =>
    fjord.producer({ acks: 'all', idempotent: true, deliveryTimeoutMs: options.deliveryTimeoutMs }),
  );
  const loops = producers.map(async (producer, n) => {
    let seq = 0;
    while (!stopping) {
      const batch = range(seq, seq + 10).map((s) => ({
        id: `p${n}-${s}`,
        key: `p${n}-k${s % options.keysPerProducer}`,
        seq: s,
      }));
      seq += batch.length;
      for (const m of batch) {
        record({ type: 'send', id: m.id, producer: n, key: m.key, value: m.id, seq: m.seq, t: Date.now() });
      }
      try {
        const metas = await producer.send({
          topic,
          messages: batch.map((m) => ({ key: m.key, value: m.id })),
        });
        const t = Date.now();
        metas.forEach((meta, i) => {
          record({
            type: 'ack',
            id: batch[i]!.id,
            partition: meta.partition,
            offset: String(meta.offset),
            t,
          });
        });
        acked += metas.length;
      } catch (error) {
        const t = Date.now();
        for (const m of batch) record({ type: 'fail', id: m.id, error: String(error), t });
        const why = String(error).slice(0, 160);
        failures.set(why, (failures.get(why) ?? 0) + 1);
        // A send that fails at once must not spin: the proxies of the cluster live in this
        // process, and a loop that never yields stops the whole network.
        await sleep(SEND_FAILURE_BACKOFF_MS);
      }
    }
  });

  // What a consumer sees during the run must never disappear later (visible-then-gone).
  const poller = fjord.consumer({ autoOffsetReset: 'earliest', fetchMaxWaitMs: 200 });
  await poller.assign(range(0, options.partitions).map((partition) => ({ topic, partition })));
  const polling = (async () => {
    while (!stopping) {
      try {
        for (const r of await poller.poll(500)) {
          record({
            type: 'read',
            source: 'poll',
            partition: r.partition,
            offset: String(r.offset),
            value: r.value!.toString(),
          });
        }
      } catch {
        await sleep(200);
      }
    }
  })();

  return {
    acked: () => acked,
    failures: () => failures,
    async stop() {
      stopping = true;
      await Promise.all(loops);
      await Promise.all(producers.map((p) => p.close()));
      await polling;
      await poller.close();
    },
  };
}

/**
 * Reads every partition from the start up to `endOffsets` into the history (`final`
 * reads); resolves with the number of records read, or throws when it cannot get there.
 */
export async function readEverything(
  fjord: Fjord,
  topic: string,
  endOffsets: ReadonlyArray<{ partition: number; offset: bigint }>,
  record: (event: HistoryEvent) => void,
  timeoutMs: number,
): Promise<number> {
  const reader = fjord.consumer({ autoOffsetReset: 'earliest' });
  await reader.assign(endOffsets.map(({ partition }) => ({ topic, partition })));
  const positions = new Map<number, bigint>();
  const done = () => endOffsets.every((l) => (positions.get(l.partition) ?? 0n) >= l.offset);
  const deadline = Date.now() + timeoutMs;
  let read = 0;
  try {
    while (!done() && Date.now() < deadline) {
      for (const r of await reader.poll(500)) {
        positions.set(r.partition, r.offset + 1n);
        read++;
        record({
          type: 'read',
          source: 'final',
          partition: r.partition,
          offset: String(r.offset),
          value: r.value!.toString(),
        });
      }
    }
  } finally {
    await reader.close();
  }
  if (!done()) {
    const where = endOffsets.map((l) => `${l.partition}: ${positions.get(l.partition) ?? 0n}/${l.offset}`);
    throw new Error(`final read did not reach the end offsets within ${timeoutMs} ms (${where.join(', ')})`);
  }
  return read;
}
