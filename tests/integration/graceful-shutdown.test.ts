import { randomName } from '@fjord/testkit';
import { describe, expect, it } from 'vitest';
import { useCluster } from './cluster-setup.js';
import { missingAcks, offsetsOf, range, readWholeTopic, SteadyProducer } from './helpers.js';

describe('a broker stopped with SIGTERM during steady produce', () => {
  const setup = useCluster('graceful-shutdown-test', {
    brokers: 2,
    sessionTimeoutMs: 3_000,
    heartbeatIntervalMs: 500,
  });

  it('exits 0 within a bounded time and loses no acknowledged record', async () => {
    const topic = randomName('sigterm');
    await setup.fjord.admin().createTopics([{ name: topic, partitions: 4 }]);
    const producer = new SteadyProducer(setup.fjord, topic, { acks: 1 });
    producer.start();
    expect(await producer.waitForAcked(1_000)).toBeGreaterThanOrEqual(1_000);

    const broker = setup.cluster.broker(1);
    const started = Date.now();
    // SIGTERM; SIGKILL only if it is still running after 30 s.
    await broker.stop(30_000);
    // Handing leaderships over and finishing in-flight requests are bounded (10 s and 5 s).
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(broker.exitInfo).toEqual({ code: 0, signal: null });
    expect(broker.recentLogs(50).some((line) => line.includes('"msg":"stopped"'))).toBe(true);

    const ackedAtStop = producer.acked.length;
    await broker.restart();
    await setup.cluster.waitForBrokers({ alive: [1, 2] });
    expect(await producer.waitForAcked(ackedAtStop + 1_000)).toBeGreaterThanOrEqual(ackedAtStop + 1_000);
    await producer.stop();

    const stored = await readWholeTopic(setup.fjord, topic);
    for (const list of stored.values()) expect(offsetsOf(list)).toEqual(range(0, list.length));
    expect(missingAcks(producer.acked, stored)).toEqual([]);
  });
});
