import type { v1 } from '@fjord/protocol';
import { createScramCredential, SCRAM_SHA_256, SCRAM_SHA_512, userPrincipal } from '@fjord/security';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AWAITING_SECURITY_STATE_MESSAGE } from './awaiting-state-authorizer.js';
import { BrokerSecurityState } from './broker-security-state.js';

const logger = pino({ level: 'silent' });
const credential = createScramCredential(SCRAM_SHA_256, 'alice-secret');

function allowAcl(principal: string, topic: string, operation = 'WRITE'): v1.AclBinding__Output {
  return {
    resourceType: 'TOPIC',
    resourceName: topic,
    patternType: 'LITERAL',
    principal,
    host: '*',
    operation,
    permission: 'ALLOW',
  };
}

/** A DescribeSecurityState answer in which `principal` may write `topic` and broker `brokerId` is bound. */
function state(
  version: number,
  options: { writer?: string; topic?: string; brokerId?: number; acls?: v1.AclBinding__Output[] } = {},
): v1.DescribeSecurityStateResponse__Output {
  const writer = options.writer ?? 'User:alice';
  return {
    securityVersion: String(version),
    acls: options.acls ?? [allowAcl(writer, options.topic ?? 'orders')],
    credentials: [
      {
        user: writer.replace(/^User:/, ''),
        mechanism: 'SCRAM-SHA-256',
        iterations: credential.iterations,
        salt: credential.salt,
        storedKey: credential.storedKey,
        serverKey: credential.serverKey,
      },
    ],
    brokerPrincipals: [{ brokerId: options.brokerId ?? 1, principal: 'User:broker-1' }],
  };
}

const mayWrite = (copy: BrokerSecurityState, user: string, topic: string) =>
  copy.authorizer()!.authorize({
    principal: userPrincipal(user),
    host: '127.0.0.1',
    operation: 'WRITE',
    resourceType: 'TOPIC',
    resourceName: topic,
  }).allowed;

describe('BrokerSecurityState', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('refuses everyone but super users, retriably, until the first copy arrives', async () => {
    const describeState = vi.fn(() => new Promise<v1.DescribeSecurityStateResponse__Output>(() => {}));
    const copy = new BrokerSecurityState({
      authorizer: 'standard',
      superUsers: ['User:admin'],
      allowEveryoneIfNoAclFound: false,
      describe: describeState,
      logger,
    });
    copy.start();
    const ask = (user: string) => () => mayWrite(copy, user, 'orders');
    expect(ask('admin')()).toBe(true);
    expect(ask('alice')).toThrow(AWAITING_SECURITY_STATE_MESSAGE);
    try {
      ask('alice')();
    } catch (error) {
      // UNAVAILABLE (14) with BROKER_NOT_AVAILABLE (8): a client retries, as on a restarting broker.
      expect((error as { code: number }).code).toBe(14);
      expect(
        (error as { metadata: { get(key: string): unknown[] } }).metadata.get('fjord-error-code'),
      ).toEqual(['8']);
    }
    expect(copy.scramCredential('alice', SCRAM_SHA_256)).toBeUndefined();
    expect(copy.brokerIdOf('User:broker-1')).toBeUndefined();
    copy.close();
  });

  it('copies the state again only when a heartbeat announces a newer version', async () => {
    const answers = [state(5, { topic: 'orders' }), state(9, { topic: 'payments' })];
    const describeState = vi.fn(async () => answers.shift()!);
    const copy = new BrokerSecurityState({
      authorizer: 'standard',
      superUsers: [],
      allowEveryoneIfNoAclFound: false,
      describe: describeState,
      logger,
    });
    copy.observeVersion(5n);
    await vi.waitFor(() => expect(copy.version).toBe(5n));
    expect(mayWrite(copy, 'alice', 'orders')).toBe(true);
    expect(mayWrite(copy, 'alice', 'payments')).toBe(false);
    expect(copy.scramCredential('alice', SCRAM_SHA_256)?.storedKey).toEqual(credential.storedKey);
    expect(copy.scramCredential('alice', SCRAM_SHA_512)).toBeUndefined();
    expect(copy.brokerIdOf('User:broker-1')).toBe(1);

    copy.observeVersion(5n);
    copy.observeVersion(3n);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(describeState).toHaveBeenCalledTimes(1);

    copy.observeVersion(9n);
    await vi.waitFor(() => expect(copy.version).toBe(9n));
    expect(describeState).toHaveBeenCalledTimes(2);
    expect(mayWrite(copy, 'alice', 'orders')).toBe(false);
    expect(mayWrite(copy, 'alice', 'payments')).toBe(true);
    copy.close();
  });

  it('retries a failed copy with backoff and keeps the copy in place meanwhile', async () => {
    let calls = 0;
    const describeState = vi.fn(async () => {
      calls++;
      if (calls === 1) return state(1, { topic: 'orders' });
      if (calls <= 3) throw new Error('coordinator unreachable');
      return state(2, { topic: 'payments' });
    });
    const copy = new BrokerSecurityState({
      authorizer: 'standard',
      superUsers: [],
      allowEveryoneIfNoAclFound: false,
      describe: describeState,
      logger,
      retryMs: { initial: 100, max: 1_000 },
    });
    copy.observeVersion(1n);
    await vi.waitFor(() => expect(copy.version).toBe(1n));
    copy.observeVersion(2n);
    await vi.advanceTimersByTimeAsync(0);
    expect(calls).toBe(2);
    // The old copy answers while the new one cannot be had.
    expect(mayWrite(copy, 'alice', 'orders')).toBe(true);
    await vi.advanceTimersByTimeAsync(99);
    expect(calls).toBe(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toBe(3);
    // Backoff doubles: 200 ms after the second failure.
    await vi.advanceTimersByTimeAsync(199);
    expect(calls).toBe(3);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toBe(4);
    expect(copy.version).toBe(2n);
    expect(mayWrite(copy, 'alice', 'payments')).toBe(true);
    copy.close();
  });

  it('asks again when the leader answers with an older state than a heartbeat announced', async () => {
    const answers = [state(4), state(7)];
    const describeState = vi.fn(async () => answers.shift()!);
    const copy = new BrokerSecurityState({
      authorizer: 'standard',
      superUsers: [],
      allowEveryoneIfNoAclFound: false,
      describe: describeState,
      logger,
      retryMs: { initial: 100, max: 1_000 },
    });
    copy.observeVersion(7n);
    await vi.advanceTimersByTimeAsync(0);
    expect(copy.version).toBe(4n);
    await vi.advanceTimersByTimeAsync(100);
    expect(copy.version).toBe(7n);
    expect(describeState).toHaveBeenCalledTimes(2);
    copy.close();
  });

  it('keeps the whole old copy when a new one does not parse (no half-applied state)', async () => {
    const bad = state(2, { writer: 'User:bob', topic: 'payments', brokerId: 7 });
    bad.acls.push({ ...allowAcl('User:bob', 'payments'), operation: 'FLY' });
    const answers = [state(1, { topic: 'orders' }), bad, state(3, { writer: 'User:bob', brokerId: 7 })];
    const describeState = vi.fn(async () => answers.shift()!);
    const copy = new BrokerSecurityState({
      authorizer: 'standard',
      superUsers: [],
      allowEveryoneIfNoAclFound: false,
      describe: describeState,
      logger,
      retryMs: { initial: 100, max: 1_000 },
    });
    copy.observeVersion(1n);
    await vi.waitFor(() => expect(copy.version).toBe(1n));
    copy.observeVersion(3n);
    await vi.advanceTimersByTimeAsync(0);
    // Version 2 was refused whole: ACLs, credentials and broker bindings are all still version 1's.
    expect(copy.version).toBe(1n);
    expect(mayWrite(copy, 'alice', 'orders')).toBe(true);
    expect(mayWrite(copy, 'bob', 'payments')).toBe(false);
    expect(copy.scramCredential('bob', SCRAM_SHA_256)).toBeUndefined();
    expect(copy.scramCredential('alice', SCRAM_SHA_256)).toBeDefined();
    expect(copy.brokerIdOf('User:broker-1')).toBe(1);
    await vi.advanceTimersByTimeAsync(100);
    expect(copy.version).toBe(3n);
    expect(mayWrite(copy, 'alice', 'orders')).toBe(false);
    expect(mayWrite(copy, 'bob', 'orders')).toBe(true);
    expect(copy.scramCredential('alice', SCRAM_SHA_256)).toBeUndefined();
    expect(copy.scramCredential('bob', SCRAM_SHA_256)).toBeDefined();
    expect(copy.brokerIdOf('User:broker-1')).toBe(7);
    copy.close();
  });

  it('swaps atomically: an authorizer taken before a swap keeps answering from its own ACL set', async () => {
    const answers = [state(1, { topic: 'orders' }), state(2, { topic: 'payments' })];
    const copy = new BrokerSecurityState({
      authorizer: 'standard',
      superUsers: [],
      allowEveryoneIfNoAclFound: false,
      describe: async () => answers.shift()!,
      logger,
    });
    copy.observeVersion(1n);
    await vi.waitFor(() => expect(copy.version).toBe(1n));
    const held = copy.authorizer()!;
    copy.observeVersion(2n);
    await vi.waitFor(() => expect(copy.version).toBe(2n));
    const request = {
      principal: userPrincipal('alice'),
      host: '127.0.0.1',
      operation: 'WRITE' as const,
      resourceType: 'TOPIC' as const,
    };
    expect(held.authorize({ ...request, resourceName: 'orders' }).allowed).toBe(true);
    expect(held.authorize({ ...request, resourceName: 'payments' }).allowed).toBe(false);
    expect(copy.authorizer()).not.toBe(held);
    expect(copy.authorizer()!.authorize({ ...request, resourceName: 'payments' }).allowed).toBe(true);
    copy.close();
  });

  it('with --authorizer none allows every call but still copies credentials and broker bindings', async () => {
    const copy = new BrokerSecurityState({
      authorizer: 'none',
      superUsers: [],
      allowEveryoneIfNoAclFound: false,
      describe: async () => state(1),
      logger,
    });
    expect(copy.authorizer()).toBeUndefined();
    copy.start();
    expect(await copy.whenLoaded(1_000)).toBe(true);
    expect(copy.authorizer()).toBeUndefined();
    expect(copy.scramCredential('alice', SCRAM_SHA_256)).toBeDefined();
    expect(copy.brokerIdOf('User:broker-1')).toBe(1);
    copy.close();
  });

  it('whenLoaded gives up after its timeout while the coordinator cannot be reached', async () => {
    const copy = new BrokerSecurityState({
      authorizer: 'standard',
      superUsers: [],
      allowEveryoneIfNoAclFound: false,
      describe: async () => {
        throw new Error('unreachable');
      },
      logger,
    });
    copy.start();
    const loaded = copy.whenLoaded(2_000);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(await loaded).toBe(false);
    copy.close();
  });
});
