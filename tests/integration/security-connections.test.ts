import { readFileSync } from 'node:fs';
import { ConnectionError, type FjordError } from '@fjord/sdk';
import { createDevelopmentCa, issueCertificate } from '@fjord/security';
import { type Cluster, ClusterSecurity, INTERNAL_LISTENER, randomName, startCluster } from '@fjord/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { plaintext, RawConnection, secureFjord, tlsCredentials } from './security-helpers.js';

// Refused connections (issue #13, "Done when"): a plaintext client on a TLS listener, a client
// that trusts another CA, a client without a certificate where one is required (INTERNAL),
// and the positive cases beside each, against real processes with real certificates.

const CLUSTER_AUTHORIZATION_FAILED = 31;

describe('connections to a secure cluster', () => {
  let cluster: Cluster;
  let foreignCa: string;
  const open: RawConnection[] = [];
  const connect = (
    address: string,
    credentials: Parameters<typeof tlsCredentials>[0] | 'plaintext',
    client?: { certificate: string; privateKey: string },
  ) => {
    const connection = new RawConnection(
      address,
      credentials === 'plaintext' ? plaintext() : tlsCredentials(credentials, client),
    );
    open.push(connection);
    return connection;
  };
  const pem = (files: { certificate: string; privateKey: string }) => ({
    certificate: readText(files.certificate),
    privateKey: readText(files.privateKey),
  });

  beforeAll(async () => {
    // Three coordinators: a client bootstrapped from a follower must find the leader's CLIENT
    // address (not its INTERNAL one, where it has no certificate to show).
    cluster = await startCluster({ coordinators: 3, brokers: 1, secure: { clientCertificates: ['alice'] } });
    foreignCa = await ClusterSecurity.foreignCaPem();
  }, 120_000);
  afterAll(async () => {
    for (const connection of open) connection.close();
    await cluster?.stop();
  });

  it('serves the SDK over SASL_SSL with the CA and the admin login (the positive case)', async () => {
    const fjord = secureFjord(cluster, 'connections-admin');
    try {
      const topic = randomName('tls');
      await fjord.admin().createTopics([{ name: topic, partitions: 1, replicationFactor: 1 }]);
      const producer = fjord.producer({ acks: 'all' });
      const [meta] = await producer.send({ topic, messages: [{ value: 'over tls' }] });
      await producer.close();
      expect(meta?.offset).toBe(0n);
      const description = await fjord.admin().describeCluster();
      expect(description.brokers.map((b) => b.id)).toEqual([1]);
    } finally {
      await fjord.close();
    }
  });

  // Its INTERNAL address would refuse this client (no certificate): the coordinators tell it
  // each other's CLIENT addresses (voter endpoints), in DescribeQuorum and in the leader hint.
  it('a client bootstrapped from one follower only follows the quorum leader on the CLIENT listeners', async () => {
    const leader = await cluster.leader();
    const follower = cluster.coordinators.find((node) => node !== leader)!;
    const fjord = secureFjord(cluster, 'connections-follower', undefined, {
      bootstrap: [follower.listenerAddress('CLIENT')],
      requestTimeoutMs: 10_000,
    });
    try {
      const topic = randomName('via-follower');
      await fjord.admin().createTopics([{ name: topic, partitions: 1, replicationFactor: 1 }]);
      const quorum = await fjord.admin().describeQuorum();
      expect(quorum.leaderId).toBe(cluster.coordinatorId(leader));
      expect(quorum.coordinators.map((q) => q.address)).toEqual(cluster.clientBootstrap);
    } finally {
      await fjord.close();
    }
  });

  it('refuses a plaintext client on the TLS listeners (CLIENT of the coordinator and the broker, INTERNAL)', async () => {
    const addresses = [
      ...cluster.clientBootstrap,
      cluster.broker(1).listenerAddress('CLIENT'),
      cluster.coordinator.listenerAddress(INTERNAL_LISTENER),
    ];
    for (const address of addresses) {
      const outcome = await connect(address, 'plaintext').call(
        'CoordinatorService',
        'DescribeCluster',
        {},
        3_000,
      );
      expect(outcome.response, address).toBeUndefined();
      // No HTTP/2 in clear is spoken to a TLS socket: the connection fails, no RPC runs.
      expect(outcome.error?.code, `${address}: ${outcome.error?.message}`).toBe(14 /* UNAVAILABLE */);
      expect(outcome.errorCode).toBeUndefined();
    }
  });

  it('the SDK without ssl fails with a ConnectionError, not a hang', async () => {
    const fjord = secureFjord(cluster, 'connections-plaintext', undefined, {
      ssl: undefined,
      sasl: undefined,
      requestTimeoutMs: 3_000,
    });
    try {
      const started = Date.now();
      const error = (await fjord
        .admin()
        .describeCluster()
        .catch((e: unknown) => e)) as FjordError;
      expect(error).toBeInstanceOf(ConnectionError);
      expect(Date.now() - started).toBeLessThan(15_000);
    } finally {
      await fjord.close();
    }
  });

  it('refuses a client that trusts another CA; the SDK says it is a TLS/certificate problem', async () => {
    const raw = await connect(cluster.clientBootstrap[0]!, foreignCa).call(
      'CoordinatorService',
      'DescribeCluster',
      {},
      3_000,
    );
    expect(raw.response).toBeUndefined();
    expect(raw.error?.code).toBe(14 /* UNAVAILABLE */);

    const fjord = secureFjord(cluster, 'connections-wrong-ca', undefined, {
      ssl: { ca: foreignCa },
      requestTimeoutMs: 3_000,
    });
    try {
      const error = (await fjord
        .admin()
        .describeCluster()
        .catch((e: unknown) => e)) as FjordError;
      expect(error).toBeInstanceOf(ConnectionError);
      expect(error.message).toMatch(/TLS|certificate/i);
    } finally {
      await fjord.close();
    }
  });

  it('refuses a TLS client without a certificate on INTERNAL (client auth required), and takes one with', async () => {
    // The leader's: a follower answers DescribeCluster with NOT_COORDINATOR, not the authorizer's verdict.
    const internal = (await cluster.leader()).listenerAddress(INTERNAL_LISTENER);
    const security = cluster.secured;

    const anonymous = await connect(internal, security.caPem).call(
      'CoordinatorService',
      'DescribeCluster',
      {},
      3_000,
    );
    expect(anonymous.response).toBeUndefined();
    expect(anonymous.error?.code, anonymous.error?.message).toBe(14 /* UNAVAILABLE: the handshake failed */);

    // A certificate the CA signed gets through the handshake; its principal is the full subject
    // (not a node certificate), which may not describe the cluster: refused by the authorizer,
    // so the connection itself was accepted.
    const alice = pem(security.clientCertificate('alice'));
    const client = await connect(internal, security.caPem, alice).call(
      'CoordinatorService',
      'DescribeCluster',
      {},
      5_000,
    );
    expect(client.error?.code, client.error?.message).toBe(7 /* PERMISSION_DENIED */);
    expect(client.errorCode).toBe(CLUSTER_AUTHORIZATION_FAILED);

    await cluster.createAcls([
      {
        resourceType: 'CLUSTER',
        resourceName: 'kafka-cluster',
        patternType: 'LITERAL',
        principal: 'User:CN=alice,OU=clients,O=Fjord development',
        host: '*',
        operation: 'DESCRIBE',
        permission: 'ALLOW',
      },
    ]);
    const allowed = await connect(internal, security.caPem, alice).call<{ brokers: unknown[] }>(
      'CoordinatorService',
      'DescribeCluster',
      {},
      5_000,
    );
    expect(allowed.error).toBeUndefined();
    expect(allowed.response?.brokers).toHaveLength(1);

    // A node certificate is a super user: the testkit's own polling works this way.
    const node = pem(security.nodeCertificate('testkit'));
    const super_ = await connect(internal, security.caPem, node).call(
      'CoordinatorService',
      'DescribeCluster',
      {},
      5_000,
    );
    expect(super_.error).toBeUndefined();
  });

  it('refuses a client certificate from another CA on INTERNAL', async () => {
    // Named like a node (OU=nodes), but signed by a CA the nodes do not trust.
    const stranger = await foreignClientCertificate();
    const outcome = await connect(
      cluster.coordinator.listenerAddress(INTERNAL_LISTENER),
      cluster.secured.caPem,
      stranger,
    ).call('CoordinatorService', 'DescribeCluster', {}, 3_000);
    expect(outcome.response).toBeUndefined();
    expect(outcome.error?.code, outcome.error?.message).toBe(14);
  });
});

function readText(path: string): string {
  return readFileSync(path, 'utf8');
}

async function foreignClientCertificate(): Promise<{ certificate: string; privateKey: string }> {
  const ca = await createDevelopmentCa({ commonName: 'Stranger CA' });
  return issueCertificate(ca, { commonName: 'mallory', organizationalUnit: 'nodes', usage: 'client' });
}
