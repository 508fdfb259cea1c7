import type { v1 } from '@fjord/protocol';
import { describe, expect, it } from 'vitest';
import { kafkaBrokers } from './kafka-brokers.js';

const listener = (name: string, host: string, port: number) => ({
  name,
  host,
  port,
  securityProtocol: 'PLAINTEXT',
});

function broker(id: number, overrides: Partial<v1.BrokerInfo__Output> = {}): v1.BrokerInfo__Output {
  return {
    id,
    host: `broker-${id}`,
    port: 7400,
    alive: true,
    kafkaHost: `broker-${id}`,
    kafkaPort: 9092,
    kafkaListeners: [
      listener('INTERNAL', `broker-${id}`, 9092),
      listener('EXTERNAL', '127.0.0.1', 19090 + id),
    ],
    ...overrides,
  };
}

describe('kafkaBrokers', () => {
  it("lists each live broker at its address on the client's listener, in id order", () => {
    const brokers = [broker(2), broker(1), broker(3, { alive: false })];
    expect(kafkaBrokers(brokers, 'EXTERNAL').map((b) => [b.nodeId, b.host, b.port])).toEqual([
      [1, '127.0.0.1', 19091],
      [2, '127.0.0.1', 19092],
    ]);
    expect(kafkaBrokers(brokers, 'INTERNAL').map((b) => [b.nodeId, b.host, b.port])).toEqual([
      [1, 'broker-1', 9092],
      [2, 'broker-2', 9092],
    ]);
  });

  it('leaves out a broker without that listener, and serves one registered before named listeners', () => {
    const internalOnly = broker(1, { kafkaListeners: [listener('INTERNAL', 'broker-1', 9092)] });
    const legacy = broker(2, { kafkaListeners: [], kafkaHost: '10.0.0.2', kafkaPort: 9092 });
    const noKafka = broker(3, { kafkaListeners: [], kafkaHost: '', kafkaPort: 0 });
    expect(kafkaBrokers([internalOnly, legacy, noKafka], 'EXTERNAL')).toEqual([
      { nodeId: 2, host: '10.0.0.2', port: 9092, rack: null },
    ]);
  });
});
