import type { Consumer, ConsumerRecord, Fjord, Producer, RecordMetadata } from '@fjord/sdk';

/** Polls `consumer` until `count` records arrived or `timeoutMs` passed; returns what arrived. */
export async function pollUntil(
  consumer: Consumer,
  count: number,
  timeoutMs = 60_000,
): Promise<ConsumerRecord[]> {
  const records: ConsumerRecord[] = [];
  const deadline = Date.now() + timeoutMs;
  while (records.length < count && Date.now() < deadline) {
    records.push(...(await consumer.poll(500)));
  }
  return records;
}

/** Groups records by partition, keeping the order in which they were consumed. */
export function byPartition(records: ConsumerRecord[]): Map<number, ConsumerRecord[]> {
  const map = new Map<number, ConsumerRecord[]>();
  for (const record of records) {
    const list = map.get(record.partition) ?? [];
    list.push(record);
    map.set(record.partition, list);
  }
  return map;
}

/** Asserts-friendly view: the offsets of a partition's records, as numbers. */
export function offsetsOf(records: ConsumerRecord[]): number[] {
  return records.map((r) => Number(r.offset));
}

export function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, i) => from + i);
}

/** A record the cluster acknowledged, with the value that was sent. */
export interface Acked {
  meta: RecordMetadata;
  value: string;
}

/**
 * Sends keyed records in a loop, one awaited `send()` of `chunk` records at a time, and
 * keeps every acknowledgement, until `stop()`.
 */
export class SteadyProducer {
  readonly acked: Acked[] = [];
  #stopped = false;
  #loop: Promise<void> | undefined;
  #producer: Producer;

  constructor(
    fjord: Fjord,
    private readonly topic: string,
    options: { acks: 0 | 1 | 'all'; deliveryTimeoutMs?: number; chunk?: number } = { acks: 1 },
  ) {
    this.#producer = fjord.producer({
      acks: options.acks,
      deliveryTimeoutMs: options.deliveryTimeoutMs ?? 60_000,
    });
    this.#chunk = options.chunk ?? 60;
  }
  #chunk: number;

  /** The send that failed (past its delivery timeout); the loop stops at the first one. */
  error: unknown;

  start(): void {
    let sent = 0;
    this.#loop = (async () => {
      while (!this.#stopped) {
        const messages = range(sent, sent + this.#chunk).map((i) => ({
          key: `k${i % 97}`,
          value: `value-${i}`,
        }));
        sent += messages.length;
        const metas = await this.#producer.send({ topic: this.topic, messages });
        for (const [i, meta] of metas.entries()) this.acked.push({ meta, value: messages[i]!.value });
      }
    })().catch((error: unknown) => {
      this.error = error;
    });
  }

  /** Waits until `n` records were acknowledged, a send failed, or `timeoutMs` passed; returns the count. */
  async waitForAcked(n: number, timeoutMs = 60_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    while (this.acked.length < n && this.error === undefined && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    return this.acked.length;
  }

  /** Stops after the send in flight; throws the error that stopped the loop, if any. */
  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#loop;
    await this.#producer.close();
    if (this.error !== undefined) throw this.error;
  }
}

/**
 * Reads every partition of `topic` from its log start to its latest offset. Returns the
 * records by partition; callers check contiguity and content.
 */
export async function readWholeTopic(fjord: Fjord, topic: string): Promise<Map<number, ConsumerRecord[]>> {
  const latest = await fjord.admin().listOffsets(topic, 'latest');
  const total = latest.reduce((sum, p) => sum + Number(p.offset), 0);
  const reader = fjord.consumer({ autoOffsetReset: 'earliest' });
  await reader.assign(latest.map((p) => ({ topic, partition: p.partition })));
  const records = await pollUntil(reader, total, 60_000);
  await reader.close();
  return byPartition(records);
}

/** The acknowledged records that are not stored at the offset they were acknowledged with. */
export function missingAcks(acked: Acked[], stored: Map<number, ConsumerRecord[]>): Acked[] {
  const at = new Map<string, string>();
  for (const [partition, list] of stored) {
    for (const r of list) at.set(`${partition}:${r.offset}`, r.value!.toString());
  }
  return acked.filter(({ meta, value }) => at.get(`${meta.partition}:${meta.offset}`) !== value);
}
