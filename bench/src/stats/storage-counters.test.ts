import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { scrapeStorageCounters, storageDelta } from './storage-counters.js';

const MIB = 1024 * 1024;
const servers: Server[] = [];

/** A /metrics endpoint on 127.0.0.1 answering `body`. */
async function metricsServer(body: string): Promise<string> {
  const server = createServer((_, response) => response.end(body));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function brokerMetrics(userBytes: number, tableBytes: number): string {
  return [
    '# HELP fjord_broker_leveldb_user_bytes Key and value bytes',
    '# TYPE fjord_broker_leveldb_user_bytes gauge',
    `fjord_broker_leveldb_user_bytes ${userBytes}`,
    `fjord_broker_leveldb_table_written_bytes ${tableBytes}`,
    'fjord_broker_leveldb_level_files{level="0"} 3',
    '',
  ].join('\n');
}

describe('storage counters from the brokers /metrics', () => {
  afterEach(async () => {
    for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve));
  });

  it('sums every broker', async () => {
    const urls = [
      await metricsServer(brokerMetrics(10 * MIB, 20 * MIB)),
      await metricsServer(brokerMetrics(5 * MIB, 2 * MIB)),
    ];
    expect(await scrapeStorageCounters(urls)).toEqual({ userBytes: 15 * MIB, tableWrittenBytes: 22 * MIB });
  });

  it('refuses a broker without the storage metrics instead of reading zero', async () => {
    const url = await metricsServer('fjord_broker_partitions 3\n');
    await expect(scrapeStorageCounters([url])).rejects.toThrow(/no fjord_broker_leveldb_user_bytes/);
  });

  it('turns two scrapes into MiB written and table MiB per MiB', () => {
    const before = { userBytes: 100 * MIB, tableWrittenBytes: 150 * MIB };
    const after = { userBytes: 164 * MIB, tableWrittenBytes: 278 * MIB };
    expect(storageDelta(before, after)).toEqual({ userMiB: 64, tableWrittenMiB: 128, writeAmplification: 2 });
    expect(storageDelta(before, before).writeAmplification).toBe(0);
  });
});
