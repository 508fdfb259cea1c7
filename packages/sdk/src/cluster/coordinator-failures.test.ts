import { ERROR_CODE_METADATA_KEY, ErrorCode, LEADER_HINT_METADATA_KEY } from '@fjord/protocol';
import * as grpc from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { ConnectionError, FjordError, NotCoordinatorError, UnknownTopicOrPartitionError } from '../errors.js';
import { classifySdkFailure, exhaustedError } from './coordinator-failures.js';

function notCoordinator(hint?: string): FjordError {
  const error = new Error('not the leader') as grpc.ServiceError;
  error.code = grpc.status.FAILED_PRECONDITION;
  error.details = 'not the leader';
  error.metadata = new grpc.Metadata();
  error.metadata.set(ERROR_CODE_METADATA_KEY, String(ErrorCode.NOT_COORDINATOR));
  if (hint) error.metadata.set(LEADER_HINT_METADATA_KEY, hint);
  return FjordError.from(error, '127.0.0.1:7401');
}

describe('classifySdkFailure', () => {
  it('follows the hint of NOT_COORDINATOR, moves past unreachable coordinators, stops at anything else', () => {
    expect(notCoordinator('127.0.0.1:7402')).toBeInstanceOf(NotCoordinatorError);
    expect(classifySdkFailure(notCoordinator('127.0.0.1:7402'))).toEqual({
      kind: 'not-coordinator',
      leaderHint: '127.0.0.1:7402',
    });
    expect(classifySdkFailure(notCoordinator())).toEqual({ kind: 'not-coordinator' });
    expect(classifySdkFailure(new ConnectionError('refused', '127.0.0.1:7400'))).toEqual({
      kind: 'unreachable',
    });
    expect(classifySdkFailure(new UnknownTopicOrPartitionError())).toEqual({ kind: 'final' });
  });
});

describe('exhaustedError', () => {
  const known = ['a:1', 'b:2'];
  it('is a retriable NotCoordinatorError when a coordinator answered (an election is running)', () => {
    const error = exhaustedError(
      [
        { address: 'a:1', error: new ConnectionError('refused', 'a:1'), failure: { kind: 'unreachable' } },
        { address: 'b:2', error: notCoordinator(), failure: { kind: 'not-coordinator' } },
      ],
      known,
    );
    expect(error).toBeInstanceOf(NotCoordinatorError);
    expect(error.retriable).toBe(true);
    expect(error.message).toContain('asked a:1, b:2');
  });

  it('names every address when none answered, and keeps a single failure as it is', () => {
    const refused = (address: string) => ({
      address,
      error: new ConnectionError(`cannot reach ${address}`, address),
      failure: { kind: 'unreachable' as const },
    });
    const all = exhaustedError([refused('a:1'), refused('b:2')], known);
    expect(all).toBeInstanceOf(ConnectionError);
    expect(all.message).toBe('no coordinator reachable at a:1, b:2: cannot reach a:1; cannot reach b:2');
    const one = refused('a:1');
    expect(exhaustedError([one], ['a:1'])).toBe(one.error);
  });
});
