import { ErrorCode, type v1 } from '@fjord/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { securityOf } from '../metadata/security-state.js';
import { alterPartition } from './alter-partition.js';
import { brokerHeartbeat } from './broker-heartbeat.js';
import { controlledShutdown } from './controlled-shutdown.js';
import {
  type HandlerTestContext,
  NO_AUTHORIZER,
  openHandlerContext,
  STANDARD_AUTHORIZER,
} from './handler-context.fixture.js';
import { registerBroker } from './register-broker.js';
import { createAcls } from './security/acl-handlers.js';

function registration(brokerId: number, incarnationId = `i${brokerId}`): v1.RegisterBrokerRequest__Output {
  return {
    brokerId,
    host: '127.0.0.1',
    port: 7400 + brokerId,
    incarnationId,
    previousShutdownClean: true,
    kafkaHost: '',
    kafkaPort: 0,
    listeners: [],
    kafkaListeners: [],
  };
}

function heartbeat(brokerId: number, brokerEpoch: string): v1.BrokerHeartbeatRequest__Output {
  return {
    brokerId,
    brokerEpoch,
    knownMetadataVersion: '-1',
    knownViewDigest: '',
    listenerName: '',
    acceptsReplicaDeltas: true,
  };
}

let handle: HandlerTestContext | undefined;
afterEach(async () => {
  await handle?.close();
  handle = undefined;
});

describe('broker id binding', () => {
  it('binds an id to the principal that first registers it and refuses every other principal', async () => {
    handle = await openHandlerContext('binding', undefined, STANDARD_AUTHORIZER);
    const { ctx } = handle;
    const first = await registerBroker(ctx, registration(1), 'User:broker-1');
    expect(first.errorCode).toBe(ErrorCode.NONE);
    expect(securityOf(ctx.store.state).brokerPrincipals.get(1)).toBe('User:broker-1');
    expect(ctx.security.brokerIdOf('User:broker-1')).toBe(1);
    expect(ctx.security.brokerIdOf('User:mallory')).toBeUndefined();
    const epoch = String(first.brokerEpoch);

    const stolen = await registerBroker(ctx, registration(1, 'other'), 'User:mallory');
    expect(stolen.errorCode).toBe(ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
    expect(stolen.errorMessage).toBe('broker 1 is bound to another principal');
    // Even the right epoch does not help another principal; no answer names an epoch.
    const answers = [
      await brokerHeartbeat(ctx, heartbeat(1, epoch), undefined, 'User:mallory'),
      await alterPartition(ctx, { brokerId: 1, brokerEpoch: epoch, partitions: [] }, 'User:mallory'),
      await controlledShutdown(ctx, { brokerId: 1, brokerEpoch: epoch }, 'User:mallory'),
    ];
    for (const answer of answers) {
      expect(answer.errorCode).toBe(ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
      expect(answer.errorMessage).not.toContain(epoch);
    }
    // A principal holds one id.
    const second = await registerBroker(ctx, registration(2), 'User:broker-1');
    expect(second.errorCode).toBe(ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
    expect(second.errorMessage).toMatch(/bound to broker 1/);
    // The owner goes on as before: re-registration keeps the binding (no second record).
    const version = ctx.store.securityVersion;
    const again = await registerBroker(ctx, registration(1), 'User:broker-1');
    expect(again.errorCode).toBe(ErrorCode.NONE);
    expect(ctx.store.securityVersion).toBe(version);
    const beat = await brokerHeartbeat(
      ctx,
      heartbeat(1, String(again.brokerEpoch)),
      undefined,
      'User:broker-1',
    );
    expect(beat.errorCode).toBe(ErrorCode.NONE);
    expect(beat.securityVersion).toBe(String(version));
  });

  it('heartbeat answers carry the security version, which moves with every security change', async () => {
    handle = await openHandlerContext('binding-version', undefined, STANDARD_AUTHORIZER);
    const { ctx } = handle;
    const brokerEpoch = String((await registerBroker(ctx, registration(1), 'User:broker-1')).brokerEpoch);
    const before = await brokerHeartbeat(ctx, heartbeat(1, brokerEpoch), undefined, 'User:broker-1');
    const bindingVersion = Number(before.securityVersion);
    expect(bindingVersion).toBeGreaterThan(0);
    await createAcls(ctx, {
      creations: [
        {
          resourceType: 'TOPIC',
          resourceName: '*',
          patternType: 'LITERAL',
          principal: 'User:alice',
          host: '*',
          operation: 'READ',
          permission: 'ALLOW',
        },
      ],
    });
    const after = await brokerHeartbeat(ctx, heartbeat(1, brokerEpoch), undefined, 'User:broker-1');
    expect(Number(after.securityVersion)).toBe(ctx.store.metadataVersion);
    expect(Number(after.securityVersion)).toBeGreaterThan(bindingVersion);
    // A refused heartbeat carries it too.
    const stale = await brokerHeartbeat(ctx, heartbeat(1, '12345'), undefined, 'User:broker-1');
    expect(stale.errorCode).toBe(ErrorCode.STALE_BROKER_EPOCH);
    expect(stale.errorMessage).not.toContain(brokerEpoch);
    expect(stale.securityVersion).toBe(after.securityVersion);
  });

  it('checks nothing and binds nothing with --authorizer none', async () => {
    handle = await openHandlerContext('binding-none', undefined, NO_AUTHORIZER);
    const { ctx } = handle;
    const first = await registerBroker(ctx, registration(1), 'User:ANONYMOUS');
    const brokerEpoch = String((await registerBroker(ctx, registration(2), 'User:ANONYMOUS')).brokerEpoch);
    expect(first.errorCode).toBe(ErrorCode.NONE);
    expect(securityOf(ctx.store.state).brokerPrincipals.size).toBe(0);
    const beat = await brokerHeartbeat(ctx, heartbeat(2, brokerEpoch), undefined, 'User:someone');
    expect(beat.errorCode).toBe(ErrorCode.NONE);
    expect(beat.securityVersion).toBe('0');
  });
});
