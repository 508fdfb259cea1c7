import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DevelopmentCertificateFiles, writeDevelopmentCertificates } from '@fjord/security';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { TlsFiles } from './server-security.js';
import { TLS_RELOAD_WARNING_CODE, TlsFileWatcher } from './tls-file-watcher.js';

// How the watcher reports a file set it refuses: once per problem (the timer re-reads the
// files every interval, and a log line every 30 s for the same half-written rotation would
// bury everything else), again once the problem changes or after a good set, and as a process
// warning when its owner gave no onError, so a refused rotation is never silent.

let dir: string;
let first: DevelopmentCertificateFiles;
let second: DevelopmentCertificateFiles;
let live: Required<TlsFiles>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fjord-tls-watcher-'));
  first = await writeDevelopmentCertificates(join(dir, 'first'), { nodes: [{ name: 'node' }] });
  second = await writeDevelopmentCertificates(join(dir, 'second'), { nodes: [{ name: 'node' }] });
  live = {
    certificateFile: join(dir, 'cert.pem'),
    keyFile: join(dir, 'key.pem'),
    caFile: join(dir, 'ca.pem'),
  };
  await copyFile(first.nodes.node!.certificate, live.certificateFile);
  await copyFile(first.nodes.node!.privateKey, live.keyFile);
  await copyFile(first.caCertificate, live.caFile);
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('TlsFileWatcher', () => {
  it('reports a refused set once, keeps the last good one, and reports again after a good set', async () => {
    const errors: string[] = [];
    const watcher = new TlsFileWatcher(live, { onError: (error) => errors.push(error.message) });
    const good = watcher.current();
    const seen: Buffer[] = [];
    const stop = watcher.subscribe((material) => seen.push(material.cert));
    try {
      // Half-written: the second certificate beside the first key.
      await copyFile(second.nodes.node!.certificate, live.certificateFile);
      watcher.reload();
      watcher.reload();
      watcher.reload();
      expect(errors).toHaveLength(1);
      expect(errors[0]).toContain('not usable together');
      expect(watcher.current()).toBe(good);
      expect(seen).toHaveLength(0);

      await copyFile(second.nodes.node!.privateKey, live.keyFile);
      watcher.reload();
      expect(seen).toHaveLength(1);
      expect(watcher.current().cert.equals(good.cert)).toBe(false);

      // The same kind of problem after a good set is news again.
      await copyFile(first.nodes.node!.certificate, live.certificateFile);
      watcher.reload();
      expect(errors).toHaveLength(2);
    } finally {
      stop();
      await copyFile(first.nodes.node!.certificate, live.certificateFile);
      await copyFile(first.nodes.node!.privateKey, live.keyFile);
    }
  });

  it('without onError, a refused set is a process warning naming the file', async () => {
    const watcher = new TlsFileWatcher(live);
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      await rm(live.keyFile);
      watcher.reload();
      watcher.reload();
      expect(warn).toHaveBeenCalledTimes(1);
      const [message, options] = warn.mock.calls[0] as [string, { code: string }];
      expect(message).toContain(live.keyFile);
      expect(message).toContain('previous ones stay in use');
      expect(options.code).toBe(TLS_RELOAD_WARNING_CODE);
    } finally {
      warn.mockRestore();
      await copyFile(first.nodes.node!.privateKey, live.keyFile);
    }
  });
});
