import { Fjord } from '@fjord/sdk';
import { type Cluster, randomName, startCluster } from '@fjord/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fjord as runCli } from './cli-runner.js';

// Voter endpoints (issues #13/#14), without TLS: every node has an INTERNAL listener (node to
// node; --voters names it) and a CLIENT one. A client bootstrapped from one follower's CLIENT
// address is told the coordinators' CLIENT addresses, and follows the quorum leader on them,
// also after the leader is SIGKILLed.

const CLIENT = 'CLIENT';

describe('coordinators on INTERNAL and CLIENT listeners (3 coordinators, 1 broker, PLAINTEXT)', () => {
  let cluster: Cluster | undefined;

  beforeAll(async () => {
    cluster = await startCluster({ coordinators: 3, brokers: 1, clientListeners: true });
  }, 120_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  it('a client bootstrapped from one follower CLIENT address follows the leader, also after a SIGKILL', async () => {
    const c = cluster!;
    const clientAddresses = () => c.coordinators.map((node) => node.listenerAddress(CLIENT));
    const leader = await c.leader();
    const follower = c.coordinators.find((node) => node !== leader)!;
    const fjord = new Fjord({
      bootstrap: [follower.listenerAddress(CLIENT)],
      clientId: 'voter-endpoints',
      requestTimeoutMs: 10_000,
    });
    try {
      const admin = fjord.admin();
      const topic = randomName('via-client');
      await admin.createTopics([{ name: topic, partitions: 1, replicationFactor: 1 }]);
      const producer = fjord.producer({ acks: 'all' });
      const [meta] = await producer.send({ topic, messages: [{ value: 'before' }] });
      expect(meta?.offset).toBe(0n);
      await producer.close();
      const before = await admin.describeQuorum();
      // The leader is named at its CLIENT address (it may not be `leader` any more under load).
      expect(before.coordinators.filter((q) => q.leader).map((q) => q.address)).toEqual([
        c.coordinatorNode(before.leaderId).listenerAddress(CLIENT),
      ]);
      expect(before.coordinators.map((q) => q.address)).toEqual(clientAddresses());

      // `fjord cluster --json` names each coordinator on the listener it asked through.
      const viaClient = await clusterJson(follower.listenerAddress(CLIENT));
      expect(viaClient.coordinators.map((q) => q.address)).toEqual(clientAddresses());
      const viaInternal = await clusterJson(follower.address);
      expect(viaInternal.coordinators.map((q) => q.address)).toEqual(c.bootstrapAddresses);

      // Whoever leads now (a loaded machine may have held an election since the start).
      const killed = await c.leader();
      await killed.kill('SIGKILL');
      const killedAt = Date.now();
      await admin.createTopics([{ name: randomName('after-kill'), partitions: 1, replicationFactor: 1 }]);
      console.log(
        `voter endpoints: leader ${killed.name} SIGKILLed; a topic was created through the CLIENT ` +
          `listeners ${Date.now() - killedAt} ms after the kill`,
      );
      const next = await c.leader({ except: killed });
      const after = await admin.describeQuorum();
      expect(after.leaderId).not.toBe(c.coordinatorId(killed));
      expect(after.coordinators.map((q) => q.address)).toEqual(clientAddresses());
      expect(after.coordinators.filter((q) => q.leader).map((q) => q.address)).toEqual([
        c.coordinatorNode(after.leaderId).listenerAddress(CLIENT),
      ]);

      // The bootstrapped follower may have become the leader itself; a client of the survivor
      // that did not must be sent on to the new leader's CLIENT address.
      const survivor = c.coordinators.find((node) => node !== killed && node !== next)!;
      const fresh = new Fjord({
        bootstrap: [survivor.listenerAddress(CLIENT)],
        clientId: 'voter-endpoints-survivor',
        requestTimeoutMs: 10_000,
      });
      try {
        await fresh
          .admin()
          .createTopics([{ name: randomName('via-survivor'), partitions: 1, replicationFactor: 1 }]);
        const quorum = await fresh.admin().describeQuorum();
        expect(quorum.leaderId).not.toBe(c.coordinatorId(killed));
        expect(quorum.coordinators.map((q) => q.address)).toEqual(clientAddresses());
      } finally {
        await fresh.close();
      }
    } finally {
      await fjord.close();
    }
  }, 120_000);
});

/** `fjord cluster --json` against `bootstrap`, parsed. */
async function clusterJson(
  bootstrap: string,
): Promise<{ coordinators: Array<{ id: number; address: string }> }> {
  const run = await runCli(['cluster', '--json', '--bootstrap', bootstrap]);
  expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
  return JSON.parse(run.stdout);
}
