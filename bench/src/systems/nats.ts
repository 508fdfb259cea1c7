import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AckPolicy,
  DeliverPolicy,
  type JetStreamClient,
  type JetStreamManager,
  jetstream,
  jetstreamManager,
  StorageType,
} from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
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

// Messages one consume() keeps requested from the server; the client refills at half.
const CONSUME_MAX_MESSAGES = 10_000;
// A publish waits this long for its PubAck, like Fjord's delivery timeout: the default (5 s)
// fails a deep publish window under load instead of measuring it.
const PUBLISH_TIMEOUT_MS = 120_000;
// Publishes one producer keeps awaiting PubAcks. nats.js JetStream publishing collapses with
// windows of several thousand (measured: W1 12k/s, then PubAck timeouts); with 2,000 in flight
// nats.js reached ~27k publishes/s on a 2-core machine like this one (measured 2026-11-22).
const PUBLISH_WINDOW = 2_000;
// The pump stops pulling from the iterator above this many unread values (bounded memory).
const QUEUE_HIGH_WATER = 200_000;

/**
 * NATS JetStream with file storage: one stream per log, subject `<log>.<partition>` per
 * partition. Writes are JetStream async publishes (each resolves on the server's PubAck);
 * reads are pull consumers (ack policy none, like Fjord's assign mode without commits).
 */
export class NatsDriver implements SystemDriver {
  readonly name = 'nats' as const;
  readonly durability =
    'JetStream file storage, default sync_interval (2 min): written to the OS at once, fsync ' +
    'every 2 minutes (survives a process crash, not a machine crash)';
  readonly clientNote =
    'nats.js 3 (@nats-io/jetstream), async publish, at most 2,000 in flight per producer; pull consume()';
  readonly #server: ChildServer;
  readonly #port: number;
  readonly #dir: string;
  // Ctrl-C or a crash also removes the temp dir (the server's own cleanup only stops it).
  readonly #unregister = onCleanup(() => this.stop());
  readonly #connections = new Set<NatsConnection>();

  private constructor(server: ChildServer, port: number, dir: string) {
    this.#server = server;
    this.#port = port;
    this.#dir = dir;
  }

  static async start(log: (line: string) => void): Promise<NatsDriver> {
    const binary = ensureBinary('nats-server', 'nats-server', log);
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'fjord-bench-nats-'));
    try {
      const server = await startServer(
        binary,
        ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', dir],
        port,
      );
      return new NatsDriver(server, port, dir);
    } catch (error) {
      rmSync(dir, { recursive: true, force: true });
      throw error;
    }
  }

  processes(): ServerProcess[] {
    return [{ name: 'nats-server', pid: this.#server.pid }];
  }

  async createLog(spec: LogSpec): Promise<void> {
    if (spec.replicationFactor > 1) {
      throw new UnsupportedError('JetStream R3 needs a 3-server cluster; the harness runs one nats-server');
    }
    await this.#withManager((jsm) =>
      jsm.streams.add({
        name: spec.name,
        subjects: [`${spec.name}.*`],
        storage: StorageType.File,
        num_replicas: 1,
      }),
    );
  }

  async deleteLog(name: string): Promise<void> {
    await this.#withManager((jsm) => jsm.streams.delete(name));
  }

  async producer(log: string, _acks: Acks): Promise<ProducerClient> {
    const nc = await this.#connect();
    const js: JetStreamClient = jetstream(nc);
    const window = new PublishWindow(PUBLISH_WINDOW);
    return {
      send: async (partition, values) => {
        const subject = `${log}.${partition}`;
        const acks: Array<Promise<unknown>> = [];
        for (const value of values) {
          await window.acquire();
          acks.push(
            js.publish(subject, value, { timeout: PUBLISH_TIMEOUT_MS }).finally(() => window.release()),
          );
        }
        await Promise.all(acks);
      },
      close: () => this.#close(nc),
    };
  }

  async consumer(log: string, partitions: number[]): Promise<ConsumerClient> {
    const nc = await this.#connect();
    const jsm = await jetstreamManager(nc);
    const names: string[] = [];
    for (const partition of partitions) {
      const info = await jsm.consumers.add(log, {
        filter_subject: `${log}.${partition}`,
        ack_policy: AckPolicy.None,
        deliver_policy: DeliverPolicy.All,
      });
      names.push(info.name);
    }
    return this.#pull(nc, log, names);
  }

  async groupConsumer(log: string, group: string): Promise<ConsumerClient> {
    const nc = await this.#connect();
    // One durable pull consumer over the whole stream, pulled by every member: JetStream
    // hands each message to one of them. Adding it again with the same config is a no-op.
    await (await jetstreamManager(nc)).consumers.add(log, {
      durable_name: group,
      filter_subject: `${log}.*`,
      ack_policy: AckPolicy.None,
      deliver_policy: DeliverPolicy.All,
    });
    return this.#pull(nc, log, [group]);
  }

  /** Pulls from the named consumers of stream `log` into one bounded queue that poll() empties. */
  async #pull(nc: NatsConnection, log: string, consumerNames: string[]): Promise<ConsumerClient> {
    const js = jetstream(nc);
    const queue: Buffer[] = [];
    let wake: (() => void) | undefined;
    const paused: Array<() => void> = [];
    const stops: Array<() => Promise<unknown>> = [];
    for (const name of consumerNames) {
      const consumer = await js.consumers.get(log, name);
      const messages = await consumer.consume({ max_messages: CONSUME_MAX_MESSAGES });
      stops.push(() => messages.close());
      void (async () => {
        for await (const m of messages) {
          queue.push(Buffer.from(m.data.buffer, m.data.byteOffset, m.data.byteLength));
          wake?.();
          if (queue.length > QUEUE_HIGH_WATER) await new Promise<void>((r) => paused.push(r));
        }
      })().catch(() => undefined);
    }
    return {
      poll: async (timeoutMs) => {
        if (queue.length === 0) {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(done, timeoutMs);
            function done(): void {
              clearTimeout(timer);
              wake = undefined;
              resolve();
            }
            wake = done;
          });
        }
        const values = queue.splice(0, queue.length);
        for (const resume of paused.splice(0)) resume();
        return values;
      },
      close: async () => {
        for (const resume of paused.splice(0)) resume();
        await Promise.allSettled(stops.map((stop) => stop()));
        await this.#close(nc);
      },
    };
  }

  async stop(): Promise<void> {
    this.#unregister();
    await Promise.allSettled([...this.#connections].map((nc) => this.#close(nc)));
    await this.#server.stop();
    rmSync(this.#dir, { recursive: true, force: true });
  }

  async #withManager<T>(fn: (jsm: JetStreamManager) => Promise<T>): Promise<T> {
    const nc = await this.#connect();
    try {
      return await fn(await jetstreamManager(nc));
    } finally {
      await this.#close(nc);
    }
  }

  async #connect(): Promise<NatsConnection> {
    const nc = await connect({ servers: `127.0.0.1:${this.#port}` });
    this.#connections.add(nc);
    return nc;
  }

  async #close(nc: NatsConnection): Promise<void> {
    if (!this.#connections.delete(nc)) return;
    await nc.close().catch(() => undefined);
  }
}

/** At most `size` publishes of one connection in flight; later ones wait their turn in order. */
class PublishWindow {
  #inFlight = 0;
  readonly #waiting: Array<() => void> = [];

  constructor(private readonly size: number) {}

  acquire(): Promise<void> | undefined {
    if (this.#inFlight < this.size) {
      this.#inFlight++;
      return undefined;
    }
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  release(): void {
    const next = this.#waiting.shift();
    // The slot passes straight to the next waiter, so the count stays as it is.
    if (next) next();
    else this.#inFlight--;
  }
}
