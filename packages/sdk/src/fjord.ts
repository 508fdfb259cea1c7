import { Admin } from './admin/admin.js';
import { ConnectionPool } from './cluster/connections.js';
import { Cluster } from './cluster/metadata.js';
import { Consumer } from './consumer/consumer.js';
import { ClosedError } from './errors.js';
import { childLogger, fromFjordLogger, type Logger, silentLogger } from './logger.js';
import {
  CONSUMER_OPTIONS_SCHEMA,
  type ConsumerOptions,
  FJORD_OPTIONS_SCHEMA,
  type FjordOptions,
  PRODUCER_OPTIONS_SCHEMA,
  type ProducerOptions,
  parseOptions,
  type ResolvedFjordOptions,
} from './options.js';
import { Producer } from './producer/producer.js';
import { coordinatorProducerIds } from './producer/producer-id-source.js';
import { systemClock } from './retry.js';

/**
 * The Fjord client: one per application and cluster. It holds the connections (one gRPC
 * channel per address) and the metadata cache that its admin, producers and consumers share.
 *
 * ```ts
 * const fjord = new Fjord({ bootstrap: ['127.0.0.1:7400'], clientId: 'billing' });
 * const producer = fjord.producer({ acks: 'all' });
 * await producer.send({ topic: 'orders', messages: [{ key: 'user-1', value: 'hello' }] });
 * await fjord.close();
 * ```
 */
export class Fjord {
  /** The options in effect, defaults filled in. */
  readonly options: Readonly<ResolvedFjordOptions>;
  readonly #logger: Logger;
  readonly #pool: ConnectionPool;
  readonly #cluster: Cluster;
  readonly #children = new Set<{ close(): Promise<void> }>();
  #admin: Admin | undefined;
  #closed = false;

  /** Validates `options` (throws InvalidArgumentError naming every problem); connects lazily. */
  constructor(options: FjordOptions) {
    this.options = parseOptions(FJORD_OPTIONS_SCHEMA, options, 'Fjord');
    const logger = this.options.logger ? fromFjordLogger(this.options.logger) : silentLogger;
    this.#logger = childLogger(logger, { clientId: this.options.clientId });
    this.#pool = new ConnectionPool(this.options.clientId, this.options);
    this.#cluster = new Cluster({
      bootstrap: this.options.bootstrap,
      pool: this.#pool,
      requestTimeoutMs: this.options.requestTimeoutMs,
      metadataMaxAgeMs: this.options.metadataMaxAgeMs,
      logger: childLogger(this.#logger, { component: 'cluster' }),
    });
  }

  /** The admin client (one per Fjord client). */
  admin(): Admin {
    this.#assertOpen();
    this.#admin ??= new Admin({
      cluster: this.#cluster,
      retry: this.options.retry,
      logger: childLogger(this.#logger, { component: 'admin' }),
    });
    return this.#admin;
  }

  /** A new producer; options are validated here (InvalidArgumentError). */
  producer<K = Buffer | string | null, V = Buffer | string | null>(
    options: ProducerOptions<K, V> = {},
  ): Producer<K, V> {
    this.#assertOpen();
    const resolved = parseOptions(PRODUCER_OPTIONS_SCHEMA, options, 'producer');
    const producer = new Producer<K, V>({
      cluster: this.#cluster,
      options: resolved,
      retry: this.options.retry,
      logger: childLogger(this.#logger, { component: 'producer' }),
      // Idempotence is on by default with acks 'all' (Kafka 3.x); the id comes from the coordinator.
      producerIds: coordinatorProducerIds(
        this.#cluster,
        this.options.retry,
        resolved.deliveryTimeoutMs,
        systemClock,
      ),
    });
    this.#children.add(producer);
    return producer;
  }

  /**
   * A new consumer; options are validated here (InvalidArgumentError). With a `groupId` it
   * joins that consumer group on `subscribe()`; without one it works in assign mode.
   */
  consumer<K = Buffer, V = Buffer>(options: ConsumerOptions<K, V> = {}): Consumer<K, V> {
    this.#assertOpen();
    const consumer = new Consumer<K, V>({
      cluster: this.#cluster,
      options: parseOptions(CONSUMER_OPTIONS_SCHEMA, options, 'consumer'),
      retry: this.options.retry,
      logger: childLogger(this.#logger, { component: 'consumer' }),
    });
    this.#children.add(consumer);
    return consumer;
  }

  /** Closes every producer and consumer made by this client, then the connections. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    // Consumers stop at once; producers finish sends in flight before the channels go.
    await Promise.allSettled([...this.#children].map((c) => c.close()));
    this.#pool.close();
  }

  #assertOpen(): void {
    if (this.#closed) throw new ClosedError('the Fjord client is closed');
  }
}
