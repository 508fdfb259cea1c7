import { type ChildProcess, spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Fjord } from '@fjord/sdk';
import { type Cluster, randomName, sleep, startCluster, waitFor } from '@fjord/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkGroupHistory, parseHistory } from './history/group-checker.js';

// Churn for CHURN_SECONDS (default 60; FJORD_CHURN_SECONDS=300 for a longer run).
const CHURN_SECONDS = Number(process.env.FJORD_CHURN_SECONDS ?? 60);
const MEMBER_SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'group-member.mjs');

describe('consumer group under churn', () => {
  let cluster: Cluster;
  let fjord: Fjord;
  let dir: string;
  const members = new Map<string, ChildProcess>();

  beforeAll(async () => {
    cluster = await startCluster({ brokers: 2 });
    fjord = new Fjord({ bootstrap: [cluster.bootstrap], clientId: 'groups-churn-test' });
    dir = mkdtempSync(join(tmpdir(), 'fjord-churn-'));
  });
  afterAll(async () => {
    for (const child of members.values()) child.kill('SIGKILL');
    await fjord?.close();
    await cluster?.stop();
    if (process.env.FJORD_TESTKIT_KEEP_DATA !== '1') rmSync(dir, { recursive: true, force: true });
  });

  it(
    'members join, close and are SIGKILLed while records flow: nothing lost, no double ownership, offsets only move forward',
    async () => {
      const topic = randomName('churn');
      const groupId = randomName('g');
      const historyFile = join(dir, 'history.jsonl');
      writeFileSync(historyFile, '');
      await fjord.admin().createTopics([{ name: topic, partitions: 6 }]);
      let next = 0;
      const start = (): string => {
        const name = `m${next++}`;
        const child = spawn(
          process.execPath,
          [MEMBER_SCRIPT, cluster.bootstrap, topic, groupId, name, historyFile],
          {
            stdio: ['ignore', 'ignore', 'inherit'],
          },
        );
        members.set(name, child);
        child.on('exit', () => members.delete(name));
        return name;
      };
      const alive = () => [...members.keys()];
      for (let i = 0; i < 3; i++) start();

      // Steady produce; acked values are what must be delivered.
      const producer = fjord.producer({ acks: 1 });
      const acked: string[] = [];
      let producing = true;
      let seq = 0;
      const produceLoop = (async () => {
        while (producing) {
          const values = Array.from({ length: 20 }, () => `v${seq++}`);
          await producer.send({ topic, messages: values.map((value) => ({ key: value, value })) });
          acked.push(...values);
          await sleep(50);
        }
      })();

      // Committed offsets, sampled: they must never go backwards.
      const samples: Array<Map<number, bigint>> = [];
      let sampling = true;
      const sampleLoop = (async () => {
        while (sampling) {
          const offsets = await fjord
            .admin()
            .listGroupOffsets(groupId)
            .catch(() => undefined);
          if (offsets) samples.push(new Map(offsets.map((o) => [o.partition, o.offset])));
          await sleep(500);
        }
      })();

      const deadline = Date.now() + CHURN_SECONDS * 1000;
      let actions = 0;
      while (Date.now() < deadline) {
        await sleep(2_000 + Math.floor(Math.random() * 2_000));
        const names = alive();
        const roll = Math.random();
        if (names.length < 2 || (roll < 0.4 && names.length < 5)) start();
        else if (roll < 0.7) members.get(names[Math.floor(Math.random() * names.length)]!)?.kill('SIGTERM');
        else {
          const victim = names[Math.floor(Math.random() * names.length)]!;
          appendFileSync(
            historyFile,
            `${JSON.stringify({ type: 'killed', member: victim, t: Date.now() })}\n`,
          );
          members.get(victim)?.kill('SIGKILL');
        }
        actions++;
      }
      producing = false;
      await produceLoop;
      await producer.close();
      while (alive().length < 2) start();

      // Everything acknowledged arrives (killed members' partitions move after their session).
      const want = new Set(acked);
      await waitFor(
        () => {
          const got = new Set<string>();
          for (const e of parseHistory(readFileSync(historyFile, 'utf8')))
            if (e.type === 'delivered') got.add(e.value);
          return [...want].every((v) => got.has(v));
        },
        { timeoutMs: 60_000, intervalMs: 500, message: 'every acknowledged record delivered' },
      );
      for (const child of members.values()) child.kill('SIGTERM');
      await waitFor(() => members.size === 0, { timeoutMs: 20_000 });
      sampling = false;
      await sampleLoop;

      const result = checkGroupHistory(parseHistory(readFileSync(historyFile, 'utf8')), acked);
      expect(result.problems).toEqual([]);
      expect(actions).toBeGreaterThan(CHURN_SECONDS / 5);
      expect(result.intervals).toBeGreaterThan(6);
      for (let i = 1; i < samples.length; i++) {
        for (const [partition, offset] of samples[i]!) {
          expect(offset, `partition ${partition} committed offset moved back`).toBeGreaterThanOrEqual(
            samples[i - 1]!.get(partition) ?? 0n,
          );
        }
      }
      console.log(
        `churn: ${acked.length} acked, ${result.delivered} delivered, ${result.duplicates} duplicates, ${actions} actions, ${result.intervals} ownership intervals`,
      );
    },
    (CHURN_SECONDS + 110) * 1000,
  );
});
