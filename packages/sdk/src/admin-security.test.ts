// The admin client's ACL and SCRAM calls against a small in-process gRPC server that serves
// only the SecurityService: the wire mapping (names, filters, salted passwords) and the
// per-entry errors. The real coordinator's handlers are tested against real processes.

import { pbkdf2Sync } from 'node:crypto';
import { ErrorCode, loadFjordProto, type v1 } from '@fjord/protocol';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ResourceNotFoundError, TopicAuthorizationFailedError } from './errors.js';
import { Fjord } from './fjord.js';

const server = new grpc.Server();
const received: { method: string; request: unknown }[] = [];
let fjord: Fjord;

beforeAll(async () => {
  const proto = loadFjordProto().fjord.v1;
  const unary =
    <Req, Res>(method: string, answer: (request: Req) => Res) =>
    (call: grpc.ServerUnaryCall<Req, Res>, callback: grpc.sendUnaryData<Res>) => {
      received.push({ method, request: call.request });
      callback(null, answer(call.request));
    };
  const binding = (name: string) => ({
    resourceType: 'TOPIC',
    resourceName: name,
    patternType: 'LITERAL',
    principal: 'User:alice',
    host: '*',
    operation: 'READ',
    permission: 'ALLOW',
  });
  server.addService(proto.SecurityService.service, {
    CreateAcls: unary('createAcls', (req: v1.CreateAclsRequest__Output) => ({
      results: req.creations.map((c) =>
        c.resourceName === 'secret'
          ? { errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, errorMessage: 'not allowed' }
          : { errorCode: 0, errorMessage: '' },
      ),
    })),
    DescribeAcls: unary('describeAcls', () => ({
      errorCode: 0,
      acls: [binding('a'), binding('b'), binding('a')],
    })),
    DeleteAcls: unary('deleteAcls', (req: v1.DeleteAclsRequest__Output) => ({
      results: req.filters.map(() => ({ errorCode: 0, deleted: [binding('a')] })),
    })),
    AlterUserScramCredentials: unary(
      'alterUserScramCredentials',
      (req: v1.AlterUserScramCredentialsRequest__Output) => ({
        results: [...req.upsertions, ...req.deletions].map((u) => ({ user: u.name, errorCode: 0 })),
      }),
    ),
    DescribeUserScramCredentials: unary(
      'describeUserScramCredentials',
      (req: v1.DescribeUserScramCredentialsRequest__Output) => ({
        results:
          req.users.length === 0
            ? [
                {
                  user: 'alice',
                  errorCode: 0,
                  credentials: [{ mechanism: 'SCRAM-SHA-512', iterations: 8192 }],
                },
              ]
            : req.users.map((user) => ({
                user,
                errorCode: ErrorCode.RESOURCE_NOT_FOUND,
                errorMessage: 'no credentials',
              })),
      }),
    ),
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );
  fjord = new Fjord({ bootstrap: [`127.0.0.1:${port}`], requestTimeoutMs: 5000 });
});

afterAll(async () => {
  await fjord?.close();
  server.forceShutdown();
});

describe('admin ACL calls on the wire', () => {
  it("createAcls sends the names the proto spells (KafkaJS's numbers translated) and throws a refused entry's error", async () => {
    received.length = 0;
    await fjord.admin().createAcls({
      acl: [
        { resourceType: 2, resourceName: 'orders', principal: 'User:alice', operation: 3, permissionType: 3 },
      ],
    });
    expect(received[0]?.request).toEqual({
      creations: [
        {
          resourceType: 'TOPIC',
          resourceName: 'orders',
          patternType: 'LITERAL',
          principal: 'User:alice',
          host: '*',
          operation: 'READ',
          permission: 'ALLOW',
        },
      ],
    });
    const refused = fjord.admin().createAcls({
      acl: [
        {
          resourceType: 'TOPIC',
          resourceName: 'ok',
          principal: 'User:a',
          operation: 'READ',
          permissionType: 'ALLOW',
        },
        {
          resourceType: 'TOPIC',
          resourceName: 'secret',
          principal: 'User:a',
          operation: 'READ',
          permissionType: 'ALLOW',
        },
      ],
    });
    await expect(refused).rejects.toBeInstanceOf(TopicAuthorizationFailedError);
    await expect(refused).rejects.toThrow('acl[1]: not allowed');
    // Every entry refused alike (SECURITY_DISABLED, a missing ALTER): one error, not N.
    const secret = {
      resourceType: 'TOPIC',
      resourceName: 'secret',
      principal: 'User:a',
      operation: 'READ',
      permissionType: 'ALLOW',
    } as const;
    const allRefused = fjord.admin().createAcls({ acl: [secret, { ...secret, operation: 'WRITE' }] });
    await expect(allRefused).rejects.toBeInstanceOf(TopicAuthorizationFailedError);
    await expect(allRefused).rejects.toThrow(/^all 2: not allowed$/);
  });

  it('describeAcls groups by resource pattern; deleteAcls answers per filter; empty filter fields are sent empty', async () => {
    received.length = 0;
    const described = await fjord.admin().describeAcls({ resourceType: 'ANY', principal: 'User:alice' });
    expect(received[0]?.request).toEqual({
      filter: {
        resourceType: '',
        resourceName: '',
        patternType: '',
        principal: 'User:alice',
        host: '',
        operation: '',
        permission: '',
      },
    });
    expect(described.resources.map((r) => [r.resourceName, r.acls.length])).toEqual([
      ['a', 2],
      ['b', 1],
    ]);
    const deleted = await fjord.admin().deleteAcls({ filters: [{ resourceName: 'a' }, {}] });
    expect(deleted.filterResponses).toHaveLength(2);
    expect(deleted.filterResponses[0]?.matchingAcls[0]).toEqual({
      resourceType: 'TOPIC',
      resourceName: 'a',
      resourcePatternType: 'LITERAL',
      principal: 'User:alice',
      host: '*',
      operation: 'READ',
      permissionType: 'ALLOW',
    });
  });
});

describe('admin SCRAM calls on the wire', () => {
  it('sends Hi(password, salt, iterations) and never the password', async () => {
    received.length = 0;
    const password = 'correct horse battery staple';
    await fjord.admin().alterUserScramCredentials([
      { operation: 'upsert', user: 'alice', mechanism: 'scram-sha-256', password, iterations: 4096 },
      { operation: 'upsert', user: 'bob', mechanism: 'SCRAM-SHA-512', password },
      { operation: 'delete', user: 'carol', mechanism: 'scram-sha-512' },
    ]);
    const request = received[0]?.request as v1.AlterUserScramCredentialsRequest__Output;
    expect(request.deletions).toEqual([{ name: 'carol', mechanism: 'SCRAM-SHA-512' }]);
    const [alice, bob] = request.upsertions;
    expect(alice).toMatchObject({ name: 'alice', mechanism: 'SCRAM-SHA-256', iterations: 4096 });
    expect(bob).toMatchObject({ name: 'bob', mechanism: 'SCRAM-SHA-512', iterations: 4096 });
    expect(alice?.salt).toHaveLength(32);
    expect(alice?.saltedPassword).toEqual(pbkdf2Sync(password, alice!.salt, 4096, 32, 'sha256'));
    expect(bob?.saltedPassword).toEqual(pbkdf2Sync(password, bob!.salt, 4096, 64, 'sha512'));
    expect(JSON.stringify(request)).not.toContain(password);
    for (const u of request.upsertions) {
      expect(Buffer.concat([u.salt, u.saltedPassword]).includes(Buffer.from(password))).toBe(false);
    }
  });

  it('describeUserScramCredentials lists mechanisms in the SDK spelling, and a named unknown user throws ResourceNotFoundError', async () => {
    expect(await fjord.admin().describeUserScramCredentials()).toEqual([
      { user: 'alice', credentials: [{ mechanism: 'scram-sha-512', iterations: 8192 }] },
    ]);
    const unknown = fjord.admin().describeUserScramCredentials(['mallory']);
    await expect(unknown).rejects.toBeInstanceOf(ResourceNotFoundError);
    await expect(unknown).rejects.toThrow('user "mallory": no credentials');
  });
});
