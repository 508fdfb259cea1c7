import { createHash, createHmac, pbkdf2Sync } from 'node:crypto';
import { loadFjordProto, type v1 } from '@fjord/protocol';
import { type Cluster, startCluster } from '@fjord/testkit';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fjord as cli, type Run } from './cli-runner.js';

// `fjord users` and `fjord acls` against a real coordinator's SecurityService (its metadata
// log keeps the ACLs and credentials). The cluster is a plaintext one whose standard
// authorizer lets `User:ANONYMOUS` do everything (a super user), so this checks what the
// commands send and print and what the coordinator stores; refusals by ACLs over TLS and SASL
// are the security-*.test.ts files' (secure clusters).

/** A successful run's stdout; a failure fails the test with its stderr. */
function ok(run: Run): string {
  expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
  return run.stdout;
}

describe('fjord users and fjord acls', () => {
  let cluster: Cluster;
  let b: string[];
  let security: v1.SecurityServiceClient;

  beforeAll(async () => {
    // Kafka keeps no ACLs without an authorizer (SECURITY_DISABLED): run the standard one.
    cluster = await startCluster({
      brokers: 1,
      coordinatorArgs: ['--authorizer', 'standard', '--super-users', 'User:ANONYMOUS'],
    });
    b = ['--bootstrap', cluster.bootstrap];
    const { SecurityService } = loadFjordProto().fjord.v1;
    security = new SecurityService(cluster.bootstrap, grpc.credentials.createInsecure());
  });
  afterAll(async () => {
    security?.close();
    await cluster?.stop();
  });

  /** What the coordinator stores, as brokers read it (DescribeSecurityState). */
  function securityState(): Promise<v1.DescribeSecurityStateResponse__Output> {
    return new Promise((resolve, reject) =>
      security.describeSecurityState({}, (error, response) =>
        error || !response ? reject(error) : resolve(response),
      ),
    );
  }

  it('sets users from stdin and --password, lists and deletes them; the coordinator stores keys that the password derives', async () => {
    const password = 'alice-secret-1';
    ok(
      await cli(['users', 'set', 'alice', '--mechanism', 'scram-sha-512', '--password-file', '-', ...b], {
        stdin: `${password}\n`,
      }),
    );
    expect(
      ok(
        await cli([
          'users',
          'set',
          'alice',
          '--mechanism',
          'SCRAM-SHA-256',
          '--password',
          'other',
          '--iterations',
          '8192',
          ...b,
        ]),
      ),
    ).toBe('set the SCRAM-SHA-256 credential of user "alice" (8192 iterations)\n');
    const listed = JSON.parse(ok(await cli(['users', 'list', '--json', ...b])));
    expect(listed).toEqual([
      {
        user: 'alice',
        credentials: expect.arrayContaining([
          { mechanism: 'scram-sha-512', iterations: 4096 },
          { mechanism: 'scram-sha-256', iterations: 8192 },
        ]),
      },
    ]);
    expect(ok(await cli(['users', 'list', 'alice', ...b])).split('\n')[0]).toMatch(
      /^USER\s+MECHANISM\s+ITERATIONS$/,
    );

    // The stored SCRAM-SHA-512 credential is the one `password` gives (RFC 5802), and no
    // field of the state holds the password.
    const state = await securityState();
    const stored = state.credentials.find((c) => c.user === 'alice' && c.mechanism === 'SCRAM-SHA-512');
    expect(stored?.iterations).toBe(4096);
    const salted = pbkdf2Sync(password, stored!.salt, 4096, 64, 'sha512');
    const clientKey = createHmac('sha512', salted).update('Client Key').digest();
    expect(stored!.storedKey).toEqual(createHash('sha512').update(clientKey).digest());
    expect(stored!.serverKey).toEqual(createHmac('sha512', salted).update('Server Key').digest());
    expect(Buffer.from(JSON.stringify(state)).includes(password)).toBe(false);

    expect(ok(await cli(['users', 'delete', 'alice', '--mechanism', 'scram-sha-256', ...b]))).toBe(
      'deleted the SCRAM-SHA-256 credential of user "alice"\n',
    );
    expect(ok(await cli(['users', 'delete', 'alice', ...b]))).toBe(
      'deleted the SCRAM-SHA-512 credential of user "alice"\n',
    );
    const gone = await cli(['users', 'list', 'alice', ...b]);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toMatch(/^fjord: RESOURCE_NOT_FOUND: .*alice/);
  });

  it("adds, lists (also by MATCH) and removes ACLs with kafka-acls.sh's flags and output", async () => {
    const added = ok(
      await cli([
        'acls',
        '--add',
        '--allow-principal',
        'User:alice',
        '--producer',
        '--topic',
        'orders',
        ...b,
      ]),
    );
    expect(added).toContain(
      'Adding ACLs for resource `ResourcePattern(resourceType=TOPIC, name=orders, patternType=LITERAL)`:\n' +
        '\t(principal=User:alice, host=*, operation=WRITE, permissionType=ALLOW)\n' +
        '\t(principal=User:alice, host=*, operation=DESCRIBE, permissionType=ALLOW)\n' +
        '\t(principal=User:alice, host=*, operation=CREATE, permissionType=ALLOW)\n',
    );
    expect(added).toContain(
      'Current ACLs for resource `ResourcePattern(resourceType=TOPIC, name=orders, patternType=LITERAL)`:',
    );
    ok(
      await cli([
        'acls',
        '--add',
        '--deny-principal',
        'User:bob',
        '--deny-host',
        '10.0.0.9',
        '--operation',
        'Read',
        '--topic',
        'ord',
        '--resource-pattern-type',
        'prefixed',
        ...b,
      ]),
    );
    ok(
      await cli([
        'acls',
        '--add',
        '--allow-principal',
        'User:ops',
        '--operation',
        'Create',
        '--cluster',
        ...b,
      ]),
    );

    const literal = JSON.parse(ok(await cli(['acls', '--list', '--topic', 'orders', '--json', ...b]))).acls;
    expect(literal.map((a: { operation: string }) => a.operation).sort()).toEqual([
      'CREATE',
      'DESCRIBE',
      'WRITE',
    ]);
    const matching = JSON.parse(
      ok(
        await cli([
          'acls',
          '--list',
          '--topic',
          'orders',
          '--resource-pattern-type',
          'match',
          '--json',
          ...b,
        ]),
      ),
    ).acls;
    expect(matching).toHaveLength(4);
    expect(matching).toContainEqual({
      resourceType: 'TOPIC',
      resourceName: 'ord',
      resourcePatternType: 'PREFIXED',
      principal: 'User:bob',
      host: '10.0.0.9',
      operation: 'READ',
      permissionType: 'DENY',
    });
    const everything = ok(await cli(['acls', '--list', ...b]));
    expect(everything).toContain(
      'ResourcePattern(resourceType=CLUSTER, name=kafka-cluster, patternType=LITERAL)',
    );
    const byPrincipal = JSON.parse(
      ok(await cli(['acls', '--list', '--principal', 'User:ops', '--json', ...b])),
    ).acls;
    expect(byPrincipal).toEqual([
      expect.objectContaining({ resourceType: 'CLUSTER', operation: 'CREATE', principal: 'User:ops' }),
    ]);

    const refused = await cli(['acls', '--remove', '--topic', 'orders', ...b]);
    expect(refused.code).toBe(2);
    const removed = ok(
      await cli([
        'acls',
        '--remove',
        '--allow-principal',
        'User:alice',
        '--operation',
        'Create',
        '--topic',
        'orders',
        '--force',
        ...b,
      ]),
    );
    expect(removed).toBe(
      'Removed ACLs for resource `ResourcePattern(resourceType=TOPIC, name=orders, patternType=LITERAL)`:\n' +
        '\t(principal=User:alice, host=*, operation=CREATE, permissionType=ALLOW)\n\n',
    );
    const rest = JSON.parse(
      ok(await cli(['acls', '--remove', '--topic', 'orders', '--force', '--json', ...b])),
    ).deleted;
    expect(rest.map((a: { operation: string }) => a.operation).sort()).toEqual(['DESCRIBE', 'WRITE']);
    expect(JSON.parse(ok(await cli(['acls', '--list', '--topic', 'orders', '--json', ...b]))).acls).toEqual(
      [],
    );
  });
});
