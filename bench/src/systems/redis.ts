import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { onCleanup } from './cleanup.js';
import { ensureBinary } from './ensure-binary.js';
import { freePort } from './free-port.js';
import { type ChildServer, startServer } from './server-process.js';
import {
  type Acks,
  type ConsumerClient,
  type LogSpec,
  type ProducerClient,
  type ServerProcess,
  type SystemDriver,
  UnsupportedError,
} from './types.js';

// XREAD COUNT per stream: large enough that a catch-up read moves megabytes per round trip.
const READ_COUNT = 10_000;

/**
 * Redis Streams: one stream key per partition (`<log>:<partition>`), pipelined XADD to write,
 * XREAD from the last seen id to read. Redis has no acks setting; XADD answers once the entry
 * is in memory and appended to the AOF buffer.
 */
export class RedisDriver implements SystemDriver {
  readonly name = 'redis' as const;
  readonly durability =
    'appendonly yes, appendfsync no (each write goes to the OS with write(2), no fsync: ' +
    'survives a process crash, not a machine crash); RDB snapshots off';
  readonly clientNote =
    'ioredis 6, one pipeline of XADDs per batch; XREAD COUNT 10000 BLOCK (W2: XREADGROUP NOACK)';
  readonly #server: ChildServer;
  readonly #port: number;
  readonly #dir: string;
  // Ctrl-C or a crash also removes the temp dir (the server's own cleanup only stops it).
  readonly #unregister = onCleanup(() => this.stop());
  readonly #partitions = new Map<string, number>();
  readonly #clients = new Set<Redis>();
  #members = 0;

  private constructor(server: ChildServer, port: number, dir: string) {
    this.#server = server;
    this.#port = port;
    this.#dir = dir;
  }

  static async start(log: (line: string) => void): Promise<RedisDriver> {
    const binary = ensureBinary('redis-server', 'redis-server', log);
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'fjord-bench-redis-'));
    try {
      const server = await startServer(
        binary,
        [
          '--bind',
          '127.0.0.1',
          '--port',
          String(port),
          '--dir',
          dir,
          '--appendonly',
          'yes',
          '--appendfsync',
          'no',
          '--save',
          '',
          '--protected-mode',
          'no',
          '--daemonize',
          'no',
        ],
        port,
      );
      return new RedisDriver(server, port, dir);
    } catch (error) {
      rmSync(dir, { recursive: true, force: true });
      throw error;
    }
  }

  processes(): ServerProcess[] {
    return [{ name: 'redis-server', pid: this.#server.pid }];
  }

  async createLog(spec: LogSpec): Promise<void> {
    if (spec.replicationFactor > 1) {
      throw new UnsupportedError('Redis replication is asynchronous to replicas; not run in this harness');
    }
    this.#partitions.set(spec.name, spec.partitions);
  }

  async deleteLog(name: string): Promise<void> {
    const partitions = this.#partitions.get(name) ?? 0;
    this.#partitions.delete(name);
    if (partitions === 0) return;
    const redis = this.#connect();
    try {
      await redis.del(...Array.from({ length: partitions }, (_, p) => streamKey(name, p)));
    } finally {
      await this.#disconnect(redis);
    }
  }

  async producer(log: string, _acks: Acks): Promise<ProducerClient> {
    const redis = this.#connect();
    return {
      send: async (partition, values) => {
        const key = streamKey(log, partition);
        const pipeline = redis.pipeline();
        for (const value of values) pipeline.xadd(key, '*', 'v', value);
        const results = await pipeline.exec();
        const failed = results?.find(([error]) => error);
        if (failed) throw failed[0];
      },
      close: () => this.#disconnect(redis),
    };
  }

  async consumer(log: string, partitions: number[]): Promise<ConsumerClient> {
    const redis = this.#connect();
    const keys = partitions.map((p) => streamKey(log, p));
    const lastIds = keys.map(() => '0');
    return {
      poll: async (timeoutMs) => {
        const reply = (await redis.xreadBuffer(
          'COUNT',
          READ_COUNT,
          'BLOCK',
          Math.max(1, Math.round(timeoutMs)),
          'STREAMS',
          ...keys,
          ...lastIds,
        )) as Array<[Buffer, Array<[Buffer, Buffer[]]>]> | null;
        for (const [key, entries] of reply ?? []) {
          const index = keys.indexOf(key.toString());
          const last = entries[entries.length - 1];
          if (index >= 0 && last) lastIds[index] = last[0].toString();
        }
        return valuesOfEntries(reply);
      },
      close: () => this.#disconnect(redis),
    };
  }

  async groupConsumer(log: string, group: string): Promise<ConsumerClient> {
    const redis = this.#connect();
    const keys = Array.from({ length: this.#partitions.get(log) ?? 0 }, (_, p) => streamKey(log, p));
    for (const key of keys) {
      // The first member creates the group on each stream, from its beginning.
      await redis.xgroup('CREATE', key, group, '0', 'MKSTREAM').catch((error: Error) => {
        if (!error.message.includes('BUSYGROUP')) throw error;
      });
    }
    const name = `c${++this.#members}`;
    const newOnly = keys.map(() => '>');
    return {
      poll: async (timeoutMs) => {
        // NOACK: entries count as delivered at once, like auto-committed offsets.
        const reply = (await redis.xreadgroupBuffer(
          'GROUP',
          group,
          name,
          'COUNT',
          READ_COUNT,
          'BLOCK',
          Math.max(1, Math.round(timeoutMs)),
          'NOACK',
          'STREAMS',
          ...keys,
          ...newOnly,
        )) as Array<[Buffer, Array<[Buffer, Buffer[]]>]> | null;
        return valuesOfEntries(reply);
      },
      close: () => this.#disconnect(redis),
    };
  }

  async stop(): Promise<void> {
    this.#unregister();
    await Promise.allSettled([...this.#clients].map((c) => this.#disconnect(c)));
    await this.#server.stop();
    rmSync(this.#dir, { recursive: true, force: true });
  }

  #connect(): Redis {
    // No offline queue surprises: fail fast instead of buffering commands while disconnected.
    const redis = new Redis({
      host: '127.0.0.1',
      port: this.#port,
      maxRetriesPerRequest: 1,
      lazyConnect: false,
    });
    this.#clients.add(redis);
    return redis;
  }

  async #disconnect(redis: Redis): Promise<void> {
    if (!this.#clients.delete(redis)) return;
    await redis.quit().catch(() => redis.disconnect());
  }
}

/** The `v` field of every entry of an XREAD / XREADGROUP reply. */
function valuesOfEntries(reply: Array<[Buffer, Array<[Buffer, Buffer[]]>]> | null): Buffer[] {
  const values: Buffer[] = [];
  for (const [, entries] of reply ?? []) {
    for (const [, fields] of entries) {
      const value = fields[1];
      if (value) values.push(value);
    }
  }
  return values;
}

function streamKey(log: string, partition: number): string {
  return `${log}:${partition}`;
}
