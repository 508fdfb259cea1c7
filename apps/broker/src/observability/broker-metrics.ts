import { Counter, Gauge, type Registry, RequestMetrics } from '@fjord/observability';
import type { v1 } from '@fjord/protocol';
import { ErrorCode, totalLength } from '@fjord/protocol';
import type { HostedPartition, HostedReplicas } from '../cluster/hosted-replicas.js';
import type { StorageStats } from '../log/storage-stats.js';

/** Which kind of client a fetch served (Kafka reports follower traffic apart too). */
export type FetchClient = 'consumer' | 'follower';

/** Which byte-rate quota throttled a client. */
export type QuotaDirection = 'produce' | 'fetch';

/**
 * The broker's metrics, all on the process registry. Per-partition state (log size,
 * offsets, high watermark, leadership, ISR) is read from the hosted replicas when
 * Prometheus scrapes, in collect() callbacks: nothing is maintained per record.
 */
export class BrokerMetrics {
  readonly requests: RequestMetrics;
  readonly bytesIn: Counter;
  readonly bytesOut: Counter<'client'>;
  readonly isrChanges: Counter<'change'>;
  readonly storageWriteFailures: Counter;
  /** Labelled by direction only: principals and client ids are unbounded, so never labels. */
  readonly quotaThrottleSeconds: Counter<'direction'>;

  /** `storage` reads the LevelDB store's statistics (undefined once it is closed). */
  constructor(
    registry: Registry,
    brokerId: number,
    replicas: HostedReplicas,
    storage: () => StorageStats | undefined,
  ) {
    const registers = [registry];
    this.requests = new RequestMetrics(registry, 'fjord_broker');
    this.bytesIn = new Counter({
      name: 'fjord_broker_bytes_in_total',
      help: 'Bytes of record batches appended by Produce requests (partitions answered without error)',
      registers,
    });
    this.bytesOut = new Counter({
      name: 'fjord_broker_bytes_out_total',
      help: 'Bytes of record batches sent in Fetch answers, by client (consumer or follower)',
      labelNames: ['client'],
      registers,
    });
    this.isrChanges = new Counter({
      name: 'fjord_broker_isr_changes_total',
      help: 'ISR changes this broker asked for as leader and the coordinator accepted, by change (shrink or expand)',
      labelNames: ['change'],
      registers,
    });
    this.storageWriteFailures = new Counter({
      name: 'fjord_broker_storage_write_failures_total',
      help: 'LevelDB writes that failed (disk full, I/O error); the first one hands every leadership of this broker over',
      registers,
    });
    this.quotaThrottleSeconds = new Counter({
      name: 'fjord_broker_quota_throttle_seconds_total',
      help: 'Throttle time handed to clients over their produce or fetch byte-rate quota (throttle_time_ms), by direction',
      labelNames: ['direction'],
      registers,
    });
    // Start every labelled series at 0, so rate() sees the first increase.
    for (const direction of ['produce', 'fetch'] satisfies QuotaDirection[])
      this.quotaThrottleSeconds.inc({ direction }, 0);
    for (const client of ['consumer', 'follower'] satisfies FetchClient[]) this.bytesOut.inc({ client }, 0);
    for (const change of ['shrink', 'expand']) this.isrChanges.inc({ change }, 0);

    new Gauge({
      name: 'fjord_broker_partitions',
      help: 'Partition replicas this broker hosts (as leader or follower)',
      registers,
      collect() {
        this.set(replicas.all().length);
      },
    });
    new Gauge({
      name: 'fjord_broker_offline_partitions',
      help: 'Listed partition replicas this broker does not serve because their stored state cannot be loaded',
      registers,
      collect() {
        this.set(replicas.offline().length);
      },
    });
    new Gauge({
      name: 'fjord_broker_leader_partitions',
      help: 'Partitions this broker leads',
      registers,
      collect() {
        this.set(replicas.all().filter((p) => p.leader === brokerId).length);
      },
    });
    new Gauge({
      name: 'fjord_broker_under_replicated_partitions',
      help: 'Partitions this broker leads whose ISR is smaller than their replica set',
      registers,
      collect() {
        this.set(
          replicas.all().filter((p) => p.leader === brokerId && p.isr.length < p.replicas.length).length,
        );
      },
    });
    this.#storageGauges(registers, storage);
    const perPartition = (name: string, help: string, read: (p: HostedPartition) => bigint | number) =>
      new Gauge({
        name,
        help,
        labelNames: ['topic', 'partition'],
        registers,
        collect() {
          // Rebuilt on every scrape, so deleted or moved partitions drop out.
          this.reset();
          for (const p of replicas.all()) {
            this.set({ topic: p.topic, partition: String(p.partition) }, Number(read(p)));
          }
        },
      });
    perPartition(
      'fjord_broker_log_size_bytes',
      'Bytes of record batches stored in the partition log',
      (p) => p.log.sizeBytes,
    );
    perPartition(
      'fjord_broker_log_start_offset',
      'First offset still stored in the partition log',
      (p) => p.log.logStartOffset,
    );
    perPartition(
      'fjord_broker_log_end_offset',
      'Offset the next record appended to the partition log gets',
      (p) => p.log.logEndOffset,
    );
    perPartition(
      'fjord_broker_isr_size',
      "Members of the partition's ISR as this broker knows it (the leader's view is the one that counts)",
      (p) => p.isr.length,
    );
    perPartition(
      'fjord_broker_high_watermark',
      'High watermark of the partition (consumers read below it)',
      (p) => p.log.highWatermark,
    );
  }

  #storageGauges(registers: Registry[], storage: () => StorageStats | undefined): void {
    const total = (name: string, help: string, read: (s: StorageStats) => number) =>
      new Gauge({
        name,
        help,
        registers,
        collect() {
          const stats = storage();
          if (stats) this.set(read(stats));
        },
      });
    total(
      'fjord_broker_leveldb_user_bytes',
      'Key and value bytes the broker wrote to LevelDB since it opened its store',
      (s) => s.userBytes,
    );
    total(
      'fjord_broker_leveldb_table_written_bytes',
      "Table bytes LevelDB's memtable flushes and compactions wrote since the store was opened (leveldb.stats, whole MiB)",
      (s) => s.tableWrittenBytes,
    );
    total(
      'fjord_broker_leveldb_compaction_read_bytes',
      "Table bytes LevelDB's compactions read since the store was opened (leveldb.stats, whole MiB)",
      (s) => s.compactionReadBytes,
    );
    total(
      'fjord_broker_leveldb_write_amplification',
      'Table bytes written per byte the broker wrote, since the store was opened (the write-ahead log adds 1)',
      (s) => s.writeAmplification,
    );
    total(
      'fjord_broker_tail_cache_bytes',
      'Bytes of recently appended batches the broker holds in memory for fetches at the end of a log (--tail-cache-bytes)',
      (s) => s.tailCacheBytes,
    );
    const perLevel = (name: string, help: string, read: (level: StorageStats['levels'][number]) => number) =>
      new Gauge({
        name,
        help,
        labelNames: ['level'],
        registers,
        collect() {
          this.reset();
          for (const level of storage()?.levels ?? []) this.set({ level: String(level.level) }, read(level));
        },
      });
    perLevel('fjord_broker_leveldb_level_files', 'Table files in each LevelDB level', (l) => l.files);
    perLevel(
      'fjord_broker_leveldb_level_bytes',
      'Bytes of the table files of each LevelDB level (whole MiB)',
      (l) => l.sizeBytes,
    );
  }

  /**
   * Counts bytes in and out from a successful request and its answer (the request
   * instrumentation's success hook): a few additions per partition, never per record.
   */
  countTraffic(api: string, request: unknown, response: unknown): void {
    if (api === 'Produce')
      this.#countProduce(request as v1.ProduceRequest__Output, response as v1.ProduceResponse);
    else if (api === 'Fetch')
      this.#countFetch(request as v1.FetchRequest__Output, response as v1.FetchResponse);
  }

  #countProduce(request: v1.ProduceRequest__Output, response: v1.ProduceResponse): void {
    const failed = new Set<string>();
    for (const topic of response.topics ?? []) {
      for (const p of topic.partitions ?? []) {
        if ((p.errorCode ?? ErrorCode.NONE) !== ErrorCode.NONE) failed.add(`${topic.topic}:${p.partition}`);
      }
    }
    let bytes = 0;
    for (const topic of request.topics) {
      for (const p of topic.partitions) {
        if (!failed.has(`${topic.topic}:${p.partition}`)) bytes += p.records.length;
      }
    }
    if (bytes > 0) this.bytesIn.inc(bytes);
  }

  #countFetch(request: v1.FetchRequest__Output, response: v1.FetchResponse): void {
    let bytes = 0;
    for (const topic of response.topics ?? []) {
      for (const p of topic.partitions ?? []) bytes += byteLength(p.records);
    }
    if (bytes > 0) this.bytesOut.inc({ client: request.replicaId >= 0 ? 'follower' : 'consumer' }, bytes);
  }
}

// The fetch core answers with each partition's stored batches as a list (FetchAnswer).
function byteLength(records: v1.FetchPartitionResult['records'] | readonly Uint8Array[]): number {
  if (records === undefined || records === null) return 0;
  if (Array.isArray(records)) return totalLength(records);
  return typeof records === 'string' ? Buffer.byteLength(records, 'base64') : (records as Uint8Array).length;
}
