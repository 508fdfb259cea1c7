import type { Consumer, ConsumerRecord } from '@fjord/sdk';

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
