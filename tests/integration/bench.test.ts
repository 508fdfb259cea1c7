import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { missingTool } from './required-tool.js';

const HARNESS = fileURLToPath(new URL('../../bench/dist/main.js', import.meta.url));

interface Results {
  systems: Array<{ name: string; status: string }>;
  measurements: Array<{ workload: string; system: string; status: string; recordsPerSec?: number }>;
}

// The harness must not rot: a tiny configuration of every workload against Fjord (through the
// SDK and through its Kafka listeners), Redis Streams and NATS JetStream (.ci/run installs
// redis-server and nats-server).
describe('the benchmark harness, tiny configuration', () => {
  const out = mkdtempSync(join(tmpdir(), 'fjord-bench-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  // The peers need root to install, which npm test does not have (the harness would try
  // apt-get): on a user's machine without them this is skipped with the reason.
  const noPeers =
    missingTool('redis-server', 'apt-get install redis-server') ??
    missingTool('nats-server', 'apt-get install nats-server');
  const title = 'runs every workload on all four systems and writes the table, JSON and chart';
  it.skipIf(noPeers)(
    noPeers ? `${title} (skipped: ${noPeers})` : title,
    () => {
      const run = spawnSync(process.execPath, [HARNESS, '--tiny', '--out', out], {
        encoding: 'utf8',
        timeout: 420_000,
      });
      expect({ status: run.status, stderr: run.status === 0 ? '' : run.stderr.slice(-3000) }).toEqual({
        status: 0,
        stderr: '',
      });
      expect(run.stdout).toContain('Fjord / peer');
      expect(run.stdout).toContain('Targets');

      const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as Results;
      expect(results.systems.map((s) => [s.name, s.status])).toEqual([
        ['fjord', 'ok'],
        ['fjord-kafka', 'ok'],
        ['redis', 'ok'],
        ['nats', 'ok'],
      ]);
      for (const system of ['fjord', 'fjord-kafka', 'redis', 'nats']) {
        const measured = results.measurements.filter((m) => m.system === system && m.status === 'ok');
        expect({ system, workloads: [...new Set(measured.map((m) => m.workload))].sort() }).toMatchObject({
          system,
          workloads: expect.arrayContaining(['W1', 'W2', 'W4', 'W5']),
        });
      }
      for (const system of ['fjord', 'fjord-kafka']) {
        // Fjord replicates, so its W3 (RF=3) runs too, on both paths.
        const measured = results.measurements.filter((m) => m.system === system && m.status === 'ok');
        expect(new Set(measured.map((m) => m.workload))).toEqual(new Set(['W1', 'W2', 'W3', 'W4', 'W5']));
        const w1 = measured.find((m) => m.workload === 'W1');
        expect(w1?.recordsPerSec, system).toBeGreaterThan(0);
      }
      expect(readFileSync(join(out, 'latency.svg'), 'utf8')).toMatch(/^<svg[\s\S]*<\/svg>\s*$/);
      expect(existsSync(join(out, 'partial.json'))).toBe(true);
    },
    480_000,
  );
});
