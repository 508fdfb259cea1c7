import { connect, type Socket } from 'node:net';
import {
  API_MESSAGES,
  ApiKey,
  decodeMessage,
  encodeRequestHeader,
  FrameSplitter,
  Reader,
  Writer,
} from '@fjord/kafka-protocol';
import { type Cluster, startCluster } from '@fjord/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** Sends raw bytes on a fresh connection; resolves with the frames received and whether the broker closed it. */
function exchange(
  port: number,
  bytes: Buffer,
  waitMs = 1_000,
): Promise<{ frames: Buffer[]; closed: boolean }> {
  return new Promise((resolve) => {
    const socket: Socket = connect(port, '127.0.0.1');
    const splitter = new FrameSplitter();
    const frames: Buffer[] = [];
    let closed = false;
    socket.on('data', (chunk) => frames.push(...splitter.push(chunk)));
    socket.on('error', () => {});
    socket.on('close', () => {
      closed = true;
    });
    socket.write(bytes);
    setTimeout(() => {
      socket.destroy();
      resolve({ frames, closed });
    }, waitMs);
  });
}

function frame(apiKey: number, apiVersion: number, body: Buffer = Buffer.alloc(0)): Buffer {
  const writer = new Writer();
  encodeRequestHeader({ apiKey, apiVersion, correlationId: 42, clientId: 'bad-input' }, writer);
  writer.bytes(body);
  const payload = writer.toBuffer();
  const size = Buffer.alloc(4);
  size.writeInt32BE(payload.length, 0);
  return Buffer.concat([size, payload]);
}

/** A deterministic byte generator, so a failure can be replayed. */
function* noise(seed: number): Generator<number> {
  let x = seed;
  for (;;) {
    x = (x * 1_103_515_245 + 12_345) % 2 ** 31;
    yield x & 0xff;
  }
}

describe('bad input on the Kafka listener', () => {
  let cluster: Cluster;
  let port: number;

  beforeAll(async () => {
    cluster = await startCluster({ brokers: 1, kafka: true });
    port = cluster.broker(1).kafkaPort!;
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('answers ApiVersions of an unknown version with a v0 UNSUPPORTED_VERSION response listing its range', async () => {
    const { frames } = await exchange(port, frame(ApiKey.ApiVersions, 99));
    expect(frames).toHaveLength(1);
    const reader = new Reader(frames[0]!);
    expect(reader.int32()).toBe(42); // v0 response header: the correlation id only
    const body = decodeMessage(API_MESSAGES.get(ApiKey.ApiVersions)!.response, 0, reader);
    expect(body.errorCode).toBe(35);
    expect(body.apiKeys).toEqual([{ apiKey: 18, minVersion: 0, maxVersion: 4 }]);
  });

  it('closes the connection on an unknown API key, an unsupported version and a frame over the size cap', async () => {
    expect((await exchange(port, frame(9999, 0))).closed).toBe(true);
    expect((await exchange(port, frame(ApiKey.Produce, 0))).closed).toBe(true);
    const huge = Buffer.alloc(4);
    huge.writeInt32BE(2_000_000_000, 0);
    const oversized = await exchange(port, huge);
    expect(oversized).toEqual({ frames: [], closed: true });
  });

  it('survives random bodies for every API and version, and still serves afterwards without growing', async () => {
    const rss = async () => {
      const text = await (await fetch(`${cluster.broker(1).metricsUrl}/metrics`)).text();
      return Number(/^process_resident_memory_bytes (\d+)/m.exec(text)?.[1]);
    };
    const before = await rss();
    const bytes = noise(7);
    const sends: Array<Promise<unknown>> = [];
    for (const api of API_MESSAGES.values()) {
      for (let version = 0; version <= 17; version++) {
        const body = Buffer.from(Array.from({ length: 64 }, () => bytes.next().value as number));
        sends.push(exchange(port, frame(api.apiKey, version, body), 300));
      }
      await Promise.all(sends.splice(0));
    }
    const { frames } = await exchange(port, frame(ApiKey.ApiVersions, 0));
    expect(frames).toHaveLength(1);
    expect(() => process.kill(cluster.broker(1).pid, 0)).not.toThrow();
    const after = await rss();
    expect(after - before).toBeLessThan(64 * 1024 * 1024);
  });
});
