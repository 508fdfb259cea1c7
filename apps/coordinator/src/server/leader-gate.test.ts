import { LEADER_HINT_METADATA_KEY } from '@fjord/protocol';
import { LISTENER_METADATA_KEY } from '@fjord/server-kit';
import * as grpc from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { notCoordinatorError } from '../quorum/not-coordinator-error.js';
import { type LeaderGate, leaderOnly } from './leader-gate.js';

const ADDRESSES: Record<string, string> = { INTERNAL: '10.0.0.2:7400', CLIENT: 'two.example:9092' };

function gate(serving: boolean): LeaderGate {
  return {
    canServe: () => serving,
    refusal: (listenerName) =>
      notCoordinatorError('not the leader', 2, ADDRESSES[listenerName ?? 'INTERNAL']),
    voterAddress: (id, listenerName) => (id === 2 ? ADDRESSES[listenerName ?? 'INTERNAL'] : undefined),
  };
}

/** Runs `handler` wrapped by the gate for a call on `listener`; resolves with the answered error. */
function answer(
  handlers: grpc.UntypedServiceImplementation,
  serving: boolean,
  listener: string | undefined,
): Promise<grpc.ServiceError | null> {
  const metadata = new grpc.Metadata();
  if (listener !== undefined) metadata.set(LISTENER_METADATA_KEY, listener);
  const wrapped = leaderOnly(handlers, gate(serving)).Call as grpc.handleUnaryCall<unknown, unknown>;
  return new Promise((resolve) =>
    wrapped({ metadata } as grpc.ServerUnaryCall<unknown, unknown>, (error) =>
      resolve((error as grpc.ServiceError | null) ?? null),
    ),
  );
}

const hintOf = (error: grpc.ServiceError | null) => error?.metadata.get(LEADER_HINT_METADATA_KEY)[0];

describe('leaderOnly', () => {
  it("refuses a call while not serving with the leader's address on the call's listener", async () => {
    const handlers = { Call: (_call: unknown, done: grpc.sendUnaryData<unknown>) => done(null, {}) };
    expect(hintOf(await answer(handlers, false, 'CLIENT'))).toBe('two.example:9092');
    expect(hintOf(await answer(handlers, false, 'INTERNAL'))).toBe('10.0.0.2:7400');
    expect(await answer(handlers, true, 'CLIENT')).toBeNull();
  });

  it("points the hint of a NOT_COORDINATOR a handler answered at the call's listener, or drops it", async () => {
    // Made without a call at hand (an append that lost leadership): the quorum listener's address.
    const handlers = {
      Call: (_call: unknown, done: grpc.sendUnaryData<unknown>) =>
        done(notCoordinatorError('lost leadership', 2, ADDRESSES.INTERNAL)),
    };
    expect(hintOf(await answer(handlers, true, 'CLIENT'))).toBe('two.example:9092');
    expect(hintOf(await answer(handlers, true, undefined))).toBe('10.0.0.2:7400');
    // A listener the leader does not have: no hint rather than another listener's address.
    const refused = await answer(handlers, true, 'EXTERNAL');
    expect(refused?.message).toContain('lost leadership');
    expect(hintOf(refused)).toBeUndefined();
  });
});
