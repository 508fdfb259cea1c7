import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { randomName } from '@fjord/testkit';
import { describe, expect, it } from 'vitest';
import { useCluster } from './cluster-setup.js';

const run = promisify(execFile);
const FIXTURE = fileURLToPath(new URL('./fixtures/produce-many.mjs', import.meta.url));
const MiB = 1024 * 1024;
/** V8 old-space cap of the producing process: the 16 MiB buffer plus fixed client costs. */
const MAX_OLD_SPACE_MIB = 128;

describe('producer memory bound', () => {
  const setup = useCluster('producer-memory-test', { brokers: 2 });

  it('sends 1,000,000 un-awaited records within bufferMemoryBytes plus a fixed margin, and all arrive', async () => {
    const topic = randomName('million');
    await setup.fjord.admin().createTopics([{ name: topic, partitions: 4, replicationFactor: 1 }]);
    const count = 1_000_000;
    const bufferMemoryBytes = 16 * MiB;
    const { stdout } = await run(
      process.execPath,
      // The heap is capped: a producer whose live memory grew with the number of records
      // would die of OOM here; with the cap, V8 also collects garbage instead of letting it
      // pile up, so the peaks below measure live memory rather than GC timing.
      [
        `--max-old-space-size=${MAX_OLD_SPACE_MIB}`,
        '--expose-gc',
        FIXTURE,
        setup.cluster.bootstrap,
        topic,
        String(count),
        String(bufferMemoryBytes),
      ],
      { cwd: fileURLToPath(new URL('.', import.meta.url)), timeout: 150_000, maxBuffer: 1 << 20 },
    );
    const report = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}');
    console.log('producer memory report', {
      ...report,
      rssGrowthMiB: ((report.peakRss - report.baselineRss) / MiB).toFixed(1),
      heapGrowthMiB: ((report.peakHeap - report.baselineHeap) / MiB).toFixed(1),
      recordsPerSecond: Math.round((count / report.elapsedMs) * 1000),
    });
    expect(report.failed, report.firstError).toBe(0);
    expect(report.acked).toBe(count);
    // The margin covers the client's fixed costs (gRPC, the records' promises in flight, GC
    // slack); it does not depend on how many records are sent.
    // slack); it does not depend on how many records are sent (measured: ~155 MiB heap and
    // ~175 MiB RSS growth for 1M records with a 16 MiB buffer, of which most is uncollected garbage).
    expect(report.peakRss - report.baselineRss).toBeLessThan(bufferMemoryBytes + 256 * MiB);
    expect(report.peakHeap - report.baselineHeap).toBeLessThan(bufferMemoryBytes + 224 * MiB);

    const offsets = await setup.fjord.admin().listOffsets(topic, 'latest');
    expect(offsets.reduce((sum, o) => sum + Number(o.offset), 0)).toBe(count);
  });
});
