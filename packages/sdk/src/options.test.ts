import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from './errors.js';
import { Fjord } from './fjord.js';
import {
  CONSUMER_OPTIONS_SCHEMA,
  FJORD_OPTIONS_SCHEMA,
  PRODUCER_OPTIONS_SCHEMA,
  parseOptions,
} from './options.js';

describe('Fjord options', () => {
  it('fills in defaults', () => {
    const options = parseOptions(FJORD_OPTIONS_SCHEMA, { bootstrap: ['127.0.0.1:7400'] }, 'Fjord');
    expect(options).toEqual({
      bootstrap: ['127.0.0.1:7400'],
      clientId: 'fjord',
      requestTimeoutMs: 30_000,
      retry: { initialRetryMs: 100, maxRetryMs: 1000, multiplier: 2, jitter: 0.2 },
      metadataMaxAgeMs: 300_000,
    });
  });

  it('fills in retry defaults around a partial retry policy', () => {
    const options = parseOptions(
      FJORD_OPTIONS_SCHEMA,
      { bootstrap: ['h:1'], retry: { maxRetryMs: 50 } },
      'Fjord',
    );
    expect(options.retry).toEqual({ initialRetryMs: 100, maxRetryMs: 50, multiplier: 2, jitter: 0.2 });
  });

  it('names every problem at once', () => {
    const bad = () =>
      new Fjord({ bootstrap: ['no-port'], requestTimeoutMs: -1, bogus: 1 } as unknown as {
        bootstrap: string[];
      });
    expect(bad).toThrow(InvalidArgumentError);
    expect(bad).toThrow(/bootstrap\.0: must be "host:port"/);
    expect(bad).toThrow(/requestTimeoutMs/);
    expect(bad).toThrow(/unknown option "bogus"/);
  });

  it('requires at least one bootstrap address', () => {
    expect(() => new Fjord({ bootstrap: [] })).toThrow(/at least one coordinator address/);
  });

  it('accepts IPv6 addresses and rejects a logger without methods', () => {
    expect(() => parseOptions(FJORD_OPTIONS_SCHEMA, { bootstrap: ['[::1]:7400'] }, 'Fjord')).not.toThrow();
    expect(() => parseOptions(FJORD_OPTIONS_SCHEMA, { bootstrap: ['h:1'], logger: {} }, 'Fjord')).toThrow(
      /logger must have/,
    );
  });
});

describe('ssl and sasl options', () => {
  const bootstrap = ['127.0.0.1:7400'];
  const fjord = (options: Record<string, unknown>) => () =>
    new Fjord({ bootstrap, ...options } as ConstructorParameters<typeof Fjord>[0]);
  const ca = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

  it("accepts KafkaJS's shapes, as client.json holds them", async () => {
    const client = new Fjord({
      bootstrap,
      ssl: { ca: [ca, Buffer.from(ca)], rejectUnauthorized: true, servername: 'fjord.test' },
      sasl: { mechanism: 'scram-sha-512', username: 'admin', password: 'admin-secret' },
    });
    expect(client.options.sasl?.mechanism).toBe('scram-sha-512');
    await client.close();
    await new Fjord({ bootstrap, ssl: true }).close();
    await new Fjord({
      bootstrap,
      ssl: false,
      sasl: { mechanism: 'plain', username: 'u', password: 'p' },
    }).close();
  });

  it('names the problem: unknown mechanism, missing username or password, unknown fields', () => {
    const sasl = (value: Record<string, unknown>) =>
      fjord({ sasl: { mechanism: 'scram-sha-256', username: 'u', password: 'p', ...value } });
    expect(sasl({ mechanism: 'gssapi' })).toThrow(
      /sasl\.mechanism: unknown SASL mechanism "gssapi": expected one of scram-sha-256, scram-sha-512, plain/,
    );
    expect(sasl({ username: undefined })).toThrow(/sasl\.username: is missing/);
    expect(sasl({ username: '' })).toThrow(/sasl\.username: must not be empty/);
    expect(sasl({ password: undefined })).toThrow(/sasl\.password: is missing/);
    expect(sasl({ token: 'x' })).toThrow(/unknown option "token"/);
    expect(fjord({ sasl: {} })).toThrow(/sasl\.mechanism: is missing/);
    expect(fjord({ ssl: 'yes' })).toThrow(/ssl: must be true, false or/);
    expect(fjord({ ssl: { ca: 42 } })).toThrow(InvalidArgumentError);
  });

  it('refuses a PEM given as a path and a certificate without its key', () => {
    expect(fjord({ ssl: { ca: './ca.pem' } })).toThrow(/ssl\.ca must be the PEM text itself/);
    expect(fjord({ ssl: { ca, cert: ca } })).toThrow(/ssl\.cert and ssl\.key go together/);
    expect(fjord({ ssl: { ca: './ca.pem' } })).toThrow(InvalidArgumentError);
  });
});

describe('producer and consumer options', () => {
  it('defaults the producer to acks=all, a 120 s delivery timeout and Kafka-like batching', () => {
    expect(parseOptions(PRODUCER_OPTIONS_SCHEMA, {}, 'producer')).toEqual({
      acks: 'all',
      deliveryTimeoutMs: 120_000,
      batchBytes: 65536,
      lingerMs: 5,
      maxRequestBytes: 1048576,
      bufferMemoryBytes: 33554432,
      maxBlockMs: 60_000,
      compression: 'none',
      maxInFlightRequestsPerBroker: 5,
    });
  });

  it('rejects acks other than 0, 1, -1 and all', () => {
    expect(() => parseOptions(PRODUCER_OPTIONS_SCHEMA, { acks: 2 }, 'producer')).toThrow(
      InvalidArgumentError,
    );
    expect(() => parseOptions(PRODUCER_OPTIONS_SCHEMA, { partitioner: 'x' }, 'producer')).toThrow(
      /partitioner must be a function/,
    );
  });

  it('defaults the consumer as documented', () => {
    expect(parseOptions(CONSUMER_OPTIONS_SCHEMA, {}, 'consumer')).toEqual({
      autoOffsetReset: 'latest',
      maxPollRecords: 500,
      fetchMaxWaitMs: 500,
      fetchMinBytes: 1,
      fetchMaxBytes: 50 * 1024 * 1024,
      maxPartitionFetchBytes: 1024 * 1024,
      fetchSessions: true,
      sessionTimeoutMs: 45_000,
      maxPollIntervalMs: 300_000,
      autoCommit: true,
      autoCommitIntervalMs: 5_000,
      assignor: 'uniform',
    });
    expect(() => parseOptions(CONSUMER_OPTIONS_SCHEMA, { autoOffsetReset: 'smallest' }, 'consumer')).toThrow(
      /autoOffsetReset/,
    );
  });

  it('checks group options and the mode of each call', async () => {
    const fjord = new Fjord({ bootstrap: ['127.0.0.1:1'] });
    try {
      expect(() => fjord.consumer({ groupId: ' ' })).toThrow(/groupId/);
      await expect(fjord.consumer().subscribe(['orders'])).rejects.toThrow(/groupId/);
      const member = fjord.consumer({ groupId: 'billing' });
      await expect(member.assign([{ topic: 'orders', partition: 0 }])).rejects.toThrow(/subscribe/);
      await expect(member.subscribe([])).rejects.toThrow(InvalidArgumentError);
      await expect(member.subscribe(['ok', ''])).rejects.toThrow(InvalidArgumentError);
      await member.close();
    } finally {
      await fjord.close();
    }
  });
});
