import { X509Certificate } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { type ClientHttp2Session, connect as connectHttp2 } from 'node:http2';
import { join } from 'node:path';
import { connect as connectTls } from 'node:tls';
import { Fjord } from '@fjord/sdk';
import { issueCertificate, type PemCertificate } from '@fjord/security';
import { type Cluster, randomName, sleep, startCluster, waitFor } from '@fjord/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pollUntil } from './helpers.js';

// Certificates reload on a running node (the server kit's TlsFileWatcher,
// --ssl-reload-interval-ms): broker 1 of a secure cluster gets a new certificate (same CA and
// subject, so the same principal; a new serial) by replacing its files while it runs. New
// connections to it are then served the new certificate; a connection opened before keeps the
// one it was opened with and goes on serving calls; the SDK client opened before goes on
// producing. A half-written set (a certificate without its key) is refused and the last good
// one stays, reported once as a warning in the node's log; once the set is complete it is
// taken. The broker's process is the same from start to end.

const RELOAD_INTERVAL_MS = 300;
/** Long enough for several reloads: a set still not taken after this was refused. */
const SEVERAL_RELOADS_MS = RELOAD_INTERVAL_MS * 6;
const BROKER_CERTIFICATE = 'broker-1';

/** The serial (upper-case hex) of the certificate a TLS server at `address` presents now, on a new connection. */
function servedSerial(address: string, ca: string): Promise<string> {
  const [host, port] = [
    address.slice(0, address.lastIndexOf(':')),
    Number(address.slice(address.lastIndexOf(':') + 1)),
  ];
  return new Promise((resolve, reject) => {
    const socket = connectTls({ host, port, ca, servername: 'localhost', ALPNProtocols: ['h2'] }, () => {
      const serial = socket.getPeerCertificate().serialNumber.toUpperCase();
      socket.destroy();
      resolve(serial);
    });
    socket.once('error', reject);
  });
}

function serialOf(pem: string): string {
  return new X509Certificate(pem).serialNumber.toUpperCase();
}

/**
 * One gRPC health check over an HTTP/2 session that stays open (one TLS connection): resolves
 * with grpc-status and the answer's bytes. The health service needs no login.
 */
function healthCheck(session: ClientHttp2Session): Promise<{ status: string | undefined; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const stream = session.request({
      ':method': 'POST',
      ':path': '/grpc.health.v1.Health/Check',
      'content-type': 'application/grpc',
      te: 'trailers',
    });
    const chunks: Buffer[] = [];
    let status: string | undefined;
    stream.on('response', (headers) => {
      // A trailers-only answer carries grpc-status in the headers.
      if (headers['grpc-status'] !== undefined) status = String(headers['grpc-status']);
    });
    stream.on('trailers', (trailers) => {
      status = String(trailers['grpc-status']);
    });
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => resolve({ status, body: Buffer.concat(chunks) }));
    stream.on('error', reject);
    // An empty HealthCheckRequest: no compression flag, length 0.
    stream.end(Buffer.alloc(5));
  });
}

describe('certificate rotation on a running node', () => {
  let cluster: Cluster;
  let fjord: Fjord;
  let session: ClientHttp2Session | undefined;
  let ca: PemCertificate;

  /** Writes `pem` over `path` by a rename, as the rotation procedure says. */
  const replace = (path: string, pem: string) => {
    writeFileSync(`${path}.new`, pem, { mode: 0o600 });
    renameSync(`${path}.new`, path);
  };
  const newBrokerCertificate = () =>
    issueCertificate(ca, {
      commonName: BROKER_CERTIFICATE,
      organizationalUnit: 'nodes',
      usage: 'server-and-client',
    });

  beforeAll(async () => {
    const reload = ['--ssl-reload-interval-ms', String(RELOAD_INTERVAL_MS)];
    cluster = await startCluster({ brokers: 1, secure: true, coordinatorArgs: reload, brokerArgs: reload });
    const security = cluster.secured;
    ca = {
      certificate: readFileSync(security.caFile, 'utf8'),
      privateKey: readFileSync(join(security.dir, 'ca-key.pem'), 'utf8'),
    };
    fjord = new Fjord({ ...cluster.clientOptions(), clientId: 'certificate-rotation' });
  }, 120_000);

  afterAll(async () => {
    session?.destroy();
    await fjord?.close();
    await cluster?.stop();
  });

  it('new connections get the new certificate, old ones keep theirs and work, a broken set is refused, without a restart', async () => {
    const broker = cluster.broker(1);
    const pid = broker.pid;
    const address = broker.listenerAddress('CLIENT');
    const caPem = cluster.secured.caPem;
    const files = cluster.secured.nodeCertificate(BROKER_CERTIFICATE);
    const original = serialOf(readFileSync(files.certificate, 'utf8'));
    expect(await servedSerial(address, caPem)).toBe(original);

    // Before the rotation: an SDK producer with its channel to the broker, and one raw connection.
    const topic = randomName('rotation');
    await fjord.admin().createTopics([{ name: topic, partitions: 1, replicationFactor: 1 }]);
    const producer = fjord.producer({ acks: -1 });
    await producer.send({ topic, messages: [{ value: 'before' }] });
    const opened = connectHttp2(`https://${address}`, { ca: caPem, servername: 'localhost' });
    session = opened;
    await new Promise<void>((resolve, reject) => {
      opened.once('connect', () => resolve());
      opened.once('error', reject);
    });
    const peerOfOld = () =>
      (opened.socket as unknown as { getPeerCertificate(): { serialNumber: string } }).getPeerCertificate();
    expect(peerOfOld().serialNumber.toUpperCase()).toBe(original);
    expect((await healthCheck(opened)).status).toBe('0');

    // Rotation: a new certificate of the same CA and subject, key first, each by rename.
    const renewed = await newBrokerCertificate();
    const renewedSerial = serialOf(renewed.certificate);
    expect(renewedSerial).not.toBe(original);
    replace(files.privateKey, renewed.privateKey);
    replace(files.certificate, renewed.certificate);
    const rotatedAt = Date.now();
    await waitFor(async () => (await servedSerial(address, caPem)) === renewedSerial, {
      timeoutMs: 10_000,
      intervalMs: 50,
      message: 'new connections served the renewed certificate',
    });
    console.log(`renewed certificate served to new connections after ${Date.now() - rotatedAt} ms`);

    // The connection opened before keeps its certificate and serves new calls.
    expect(peerOfOld().serialNumber.toUpperCase()).toBe(original);
    const onOld = await healthCheck(opened);
    expect(onOld.status).toBe('0');
    // HealthCheckResponse { status: SERVING (1) }, after the 5-byte frame header.
    expect([...onOld.body.subarray(5)]).toEqual([0x08, 0x01]);
    // So does the SDK's channel, and the broker is still registered (its own links use the new files too).
    await producer.send({ topic, messages: [{ value: 'after' }] });

    // A broken set: a new certificate whose key never arrives. Refused; the renewed one stays.
    const unfinished = await newBrokerCertificate();
    replace(files.certificate, unfinished.certificate);
    await sleep(SEVERAL_RELOADS_MS);
    expect(await servedSerial(address, caPem)).toBe(renewedSerial);
    // Reported in the node's log, once per watcher of those files (its listeners' and its own
    // dialing's), not once per reload: the count stays while the set stays broken.
    const warnings = () => broker.recentLogs(500).filter((line) => line.includes('FJORD_TLS_RELOAD'));
    const reported = warnings();
    expect(reported.length).toBeGreaterThanOrEqual(1);
    for (const line of reported) {
      expect(line).toContain(files.certificate);
      expect(line).toContain('key values mismatch');
    }
    await sleep(SEVERAL_RELOADS_MS);
    expect(warnings()).toEqual(reported);
    await producer.send({ topic, messages: [{ value: 'while-broken' }] });

    // The key arrives: the complete set is taken.
    replace(files.privateKey, unfinished.privateKey);
    await waitFor(async () => (await servedSerial(address, caPem)) === serialOf(unfinished.certificate), {
      timeoutMs: 10_000,
      intervalMs: 50,
      message: 'new connections served the completed certificate',
    });
    await producer.send({ topic, messages: [{ value: 'completed' }] });
    await producer.close();
    await cluster.waitForBrokers({ alive: [1] });

    const consumer = fjord.consumer({ autoOffsetReset: 'earliest' });
    await consumer.assign([{ topic, partition: 0 }]);
    const records = await pollUntil(consumer, 4, 30_000);
    await consumer.close();
    expect(records.map((r) => r.value?.toString())).toEqual(['before', 'after', 'while-broken', 'completed']);
    // Never restarted: the same process throughout.
    expect(broker.running).toBe(true);
    expect(broker.pid).toBe(pid);
  });
});
