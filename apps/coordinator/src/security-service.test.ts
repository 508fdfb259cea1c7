import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode, loadFjordProto } from '@fjord/protocol';
import { createScramCredential, deriveScramKeys, SCRAM_SHA_512 } from '@fjord/security';
import * as grpc from '@grpc/grpc-js';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { COORDINATOR_CONFIG_SCHEMA } from './config/config-schema.js';
import { type RunningCoordinator, startCoordinator } from './coordinator.js';
import { securityOf } from './metadata/security-state.js';

const logger = pino({ level: 'silent' });

type Unary = (
  request: unknown,
  callback: (error: grpc.ServiceError | null, response?: unknown) => void,
) => void;

/** A SecurityService client over the loaded definition (FjordProto's type lacks the service). */
function securityClient(port: number): {
  call<T>(method: string, request: unknown): Promise<T>;
  close(): void;
} {
  const proto = loadFjordProto() as unknown as {
    fjord: { v1: { SecurityService: grpc.ServiceClientConstructor } };
  };
  const client = new proto.fjord.v1.SecurityService(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  return {
    call<T>(method: string, request: unknown): Promise<T> {
      const fn = (client as unknown as Record<string, Unary>)[method]!.bind(client);
      return new Promise((resolve, reject) =>
        fn(request, (error, response) => (error ? reject(error) : resolve(response as T))),
      );
    },
    close: () => client.close(),
  };
}

describe('SecurityService on a running coordinator, and --add-scram', () => {
  let dataDir: string | undefined;
  let coordinator: RunningCoordinator | undefined;

  afterEach(async () => {
    await coordinator?.stop();
    coordinator = undefined;
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
    dataDir = undefined;
  });

  async function start(extra: Record<string, string>): Promise<RunningCoordinator> {
    dataDir ??= await mkdtemp(join(tmpdir(), 'fjord-coordinator-security-'));
    const config = COORDINATOR_CONFIG_SCHEMA.parse({ port: '0', metricsPort: '-1', dataDir, ...extra });
    coordinator = await startCoordinator({ config, logger });
    return coordinator;
  }

  it('creates --add-scram credentials when absent, and a restart does not reset a changed password', async () => {
    const addScram = { addScram: 'SCRAM-SHA-512=[name=admin,password=first-secret]' };
    // PLAINTEXT callers are User:ANONYMOUS: a super user here.
    const first = await start({ ...addScram, authorizer: 'standard', superUsers: 'User:ANONYMOUS' });
    const stored = () =>
      securityOf(coordinator!.store.state).scramCredentials.get('admin')?.get('SCRAM-SHA-512');
    const created = stored()!;
    expect(created.iterations).toBe(4096);
    const expected = createScramCredential(SCRAM_SHA_512, 'first-secret', {
      salt: Buffer.from(created.salt, 'base64'),
    });
    expect(created.storedKey).toBe(expected.storedKey.toString('base64'));

    // An admin changes the password over the wire, as `fjord users set` does.
    const client = securityClient(first.port);
    const salt = Buffer.from('new-salt');
    const { saltedPassword } = deriveScramKeys(SCRAM_SHA_512, 'second-secret', salt, 4096);
    const altered = await client.call<{ results: Array<{ errorCode: number }> }>(
      'alterUserScramCredentials',
      {
        upsertions: [{ name: 'admin', mechanism: 'SCRAM-SHA-512', iterations: 4096, salt, saltedPassword }],
      },
    );
    expect(altered.results.map((r) => r.errorCode)).toEqual([ErrorCode.NONE]);
    const acls = await client.call<{ results: Array<{ errorCode: number }> }>('createAcls', {
      creations: [
        {
          resourceType: 'GROUP',
          resourceName: 'g',
          patternType: 'PREFIXED',
          principal: 'User:alice',
          host: '*',
          operation: 'READ',
          permission: 'ALLOW',
        },
      ],
    });
    expect(acls.results.map((r) => r.errorCode)).toEqual([ErrorCode.NONE]);
    client.close();
    const changed = stored()!;
    await first.stop();

    // Same --add-scram on restart: the changed credential stays; the ACL came back from the log.
    const second = await start({ ...addScram, authorizer: 'standard', superUsers: 'User:ANONYMOUS' });
    expect(stored()).toEqual(changed);
    expect(securityOf(second.store.state).acls.size).toBe(1);
    const again = securityClient(second.port);
    const described = await again.call<{ errorCode: number; acls: Array<{ resourceName: string }> }>(
      'describeAcls',
      { filter: { resourceType: 'GROUP', resourceName: 'group-1', patternType: 'MATCH' } },
    );
    expect(described.errorCode).toBe(ErrorCode.NONE);
    expect(described.acls.map((a) => a.resourceName)).toEqual(['g']);
    const state = await again.call<{ securityVersion: string; credentials: unknown[] }>(
      'describeSecurityState',
      {},
    );
    expect(state.securityVersion).toBe(String(second.store.securityVersion));
    expect(state.credentials).toHaveLength(1);
    again.close();
  });

  it('refuses ACL administration to a principal without ACLs once the authorizer is on', async () => {
    const running = await start({ authorizer: 'standard', superUsers: 'User:admin' });
    const client = securityClient(running.port);
    const refused = await client.call('describeAcls', { filter: {} }).then(
      () => undefined,
      (error: grpc.ServiceError) => error,
    );
    client.close();
    expect(refused?.code).toBe(grpc.status.PERMISSION_DENIED);
    expect(refused?.metadata.get('fjord-error-code')).toEqual([
      String(ErrorCode.CLUSTER_AUTHORIZATION_FAILED),
    ]);
    expect(refused?.details).toMatch(/User:ANONYMOUS may not DESCRIBE CLUSTER/);
  });
});
