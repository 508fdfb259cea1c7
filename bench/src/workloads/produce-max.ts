import type { LatencyRecorder } from '../stats/latency.js';
import type { ProducerClient } from '../systems/types.js';

/** One producer and the partitions it writes to, in turn. */
export interface ProducerLane {
  client: ProducerClient;
  partitions: number[];
}

export interface ProduceMaxOptions {
  producers: ProducerLane[];
  /** Values of one send (reused: the clients copy them into their own buffers). */
  values: Buffer[];
  /** Sends in flight per producer. */
  inflight: number;
  /** Stop starting sends after this long. */
  durationMs: number;
  /** Stop starting sends once this many records were started (default: no limit). */
  maxRecords?: number;
  /** Records each send's latency (send -> acknowledged), if given. */
  latency?: LatencyRecorder;
}

export interface ProduceResult {
  records: number;
  bytes: number;
  seconds: number;
}

/**
 * Closed-loop maximum-throughput produce: each producer keeps `inflight` sends of `values`
 * outstanding until the duration (or record limit) is reached, then waits for the last acks.
 * The first failed send stops every lane and is rethrown.
 */
export async function produceMax(options: ProduceMaxOptions): Promise<ProduceResult> {
  const { values, latency } = options;
  const batch = values.length;
  const valueBytes = values.reduce((sum, v) => sum + v.length, 0);
  const maxRecords = options.maxRecords ?? Number.POSITIVE_INFINITY;
  const started = performance.now();
  const end = started + options.durationMs;
  let claimed = 0;
  let acked = 0;
  let failure: unknown;

  const lane = async (producer: ProducerLane, first: number): Promise<void> => {
    let turn = first;
    while (failure === undefined && performance.now() < end && claimed + batch <= maxRecords) {
      claimed += batch;
      const partition = producer.partitions[turn++ % producer.partitions.length] as number;
      const t0 = performance.now();
      try {
        await producer.client.send(partition, values);
      } catch (error) {
        failure ??= error;
        return;
      }
      latency?.recordMs(performance.now() - t0);
      acked += batch;
    }
  };

  await Promise.all(
    options.producers.flatMap((producer) =>
      Array.from({ length: options.inflight }, (_, i) => lane(producer, i)),
    ),
  );
  if (failure !== undefined) throw failure;
  return {
    records: acked,
    bytes: (acked / batch) * valueBytes,
    seconds: (performance.now() - started) / 1000,
  };
}
