import { EARLIEST_TIMESTAMP, ErrorCode, LATEST_TIMESTAMP } from '@fjord/protocol';
import { describe, expect, it } from 'vitest';
import type { PartitionOffset } from '../cluster/list-offsets.js';
import {
  type FjordError,
  InvalidArgumentError,
  NoOffsetForPartitionError,
  OffsetOutOfRangeError,
  protocolError,
} from '../errors.js';
import { silentLogger } from '../logger.js';
import type { Clock } from '../retry.js';
import type { TopicPartition } from '../topic-partition.js';
import { Assignment } from './assignment.js';
import { FetchedRecord } from './consumer-record.js';
import { PartitionBackoff } from './partition-backoff.js';
import { type CommittedLookup, PositionManager } from './position-manager.js';

interface Lookup {
  topic: string;
  partitions: readonly number[];
  timestamp: number;
}

/** A PositionManager over an in-memory offset table, with a clock that moves only when slept. */
function setup(
  options: {
    autoOffsetReset?: 'earliest' | 'latest' | 'none';
    committed?: CommittedLookup;
    /** Failures the next lookups throw, in order, before answering. */
    failures?: FjordError[];
  } = {},
) {
  let now = 1_000;
  const clock: Clock = {
    now: () => now,
    sleep: async (ms) => {
      now += ms;
    },
  };
  const lookups: Lookup[] = [];
  const invalidated: string[] = [];
  const reported: FjordError[] = [];
  const failures = [...(options.failures ?? [])];
  // Log start 10, log end 50 on every partition.
  let answer = async (lookup: Lookup): Promise<Map<number, PartitionOffset>> =>
    new Map(
      lookup.partitions.map((partition) => [
        partition,
        { partition, offset: lookup.timestamp === EARLIEST_TIMESTAMP ? 10n : 50n },
      ]),
    );
  const assignment = new Assignment();
  const retry = { initialRetryMs: 100, maxRetryMs: 1000, multiplier: 2, jitter: 0 };
  const report = (error: FjordError) => reported.push(error);
  const backoff = new PartitionBackoff({
    invalidate: (topic) => invalidated.push(topic),
    retry,
    clock,
    logger: silentLogger,
    report,
  });
  const positions = new PositionManager({
    offsets: {
      lookUp: async (topic, partitions, timestamp) => {
        const lookup = { topic, partitions: [...partitions], timestamp };
        lookups.push(lookup);
        const failure = failures.shift();
        if (failure) throw failure;
        return answer(lookup);
      },
      invalidate: (topic) => invalidated.push(topic),
      requestTimeoutMs: 5_000,
    },
    assignment,
    autoOffsetReset: options.autoOffsetReset ?? 'earliest',
    retry,
    clock,
    logger: silentLogger,
    backoff,
    ...(options.committed ? { committed: options.committed } : {}),
    report,
  });
  const hold = (...tps: TopicPartition[]) => {
    for (const tp of tps) assignment.add(tp);
  };
  return {
    positions,
    assignment,
    lookups,
    invalidated,
    reported,
    hold,
    now: () => now,
    answerWith: (fn: typeof answer) => {
      answer = fn;
    },
  };
}

const a0 = { topic: 'a', partition: 0 };
const a1 = { topic: 'a', partition: 1 };
const b0 = { topic: 'b', partition: 0 };

describe('PositionManager.resetMissing', () => {
  it('gives partitions without a position the autoOffsetReset offset, one lookup per topic', async () => {
    const { positions, assignment, lookups, hold } = setup({ autoOffsetReset: 'latest' });
    hold(a0, a1, b0);
    positions.seek(a1, 7n);
    await positions.resetMissing();
    expect(lookups).toEqual([
      { topic: 'a', partitions: [0], timestamp: LATEST_TIMESTAMP },
      { topic: 'b', partitions: [0], timestamp: LATEST_TIMESTAMP },
    ]);
    expect(assignment.get(a0).position).toBe(50n);
    expect(assignment.get(a1).position).toBe(7n);
    expect(assignment.get(b0).position).toBe(50n);
    await positions.resetMissing();
    expect(lookups).toHaveLength(2);
  });

  it('lets a seek made while the lookup runs win', async () => {
    const { positions, assignment, hold, answerWith } = setup();
    hold(a0);
    answerWith(async (lookup) => {
      positions.seek(a0, 33n);
      return new Map(lookup.partitions.map((partition) => [partition, { partition, offset: 10n }]));
    });
    await positions.resetMissing();
    expect(assignment.get(a0).position).toBe(33n);
  });

  it("throws NoOffsetForPartitionError naming the partitions when autoOffsetReset is 'none'", async () => {
    const { positions, lookups, hold } = setup({ autoOffsetReset: 'none' });
    hold(a0, b0);
    const error = await positions.resetMissing().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NoOffsetForPartitionError);
    expect((error as Error).message).toContain('a:0, b:0');
    expect(lookups).toEqual([]);
  });

  it('backs a partition off after a retriable lookup failure and reports any other', async () => {
    const notLeader = protocolError(ErrorCode.NOT_LEADER_OR_FOLLOWER, undefined, a0);
    const invalid = protocolError(ErrorCode.INVALID_REQUEST, 'bad', b0);
    const { positions, assignment, invalidated, reported, hold, now } = setup({
      failures: [notLeader, invalid],
    });
    hold(a0, b0);
    await positions.resetMissing();
    expect(assignment.get(a0).position).toBeUndefined();
    expect(assignment.get(a0).retryAt).toBe(now() + 100);
    expect(invalidated).toContain('a');
    expect(reported).toEqual([invalid]);
  });

  it('starts group partitions at their committed offset, and falls back to autoOffsetReset without one', async () => {
    const asked: TopicPartition[][] = [];
    const committed: CommittedLookup = async (partitions) => {
      asked.push(partitions.map(({ topic, partition }) => ({ topic, partition })));
      return new Map([
        ['a:0', 42n],
        ['a:1', undefined],
      ]);
    };
    const { positions, assignment, lookups, hold } = setup({ committed });
    hold(a0, a1);
    positions.awaitCommitted(a0);
    positions.awaitCommitted(a1);
    await positions.resetMissing();
    expect(asked).toEqual([[a0, a1]]);
    expect(assignment.get(a0).position).toBe(42n);
    expect(assignment.get(a1).position).toBe(10n);
    expect(lookups).toEqual([{ topic: 'a', partitions: [1], timestamp: EARLIEST_TIMESTAMP }]);
  });

  it('retries the committed lookup later when the member is fenced, without reporting it', async () => {
    let calls = 0;
    const committed: CommittedLookup = async () => {
      calls++;
      throw protocolError(ErrorCode.FENCED_MEMBER_EPOCH);
    };
    const { positions, assignment, lookups, reported, hold, now } = setup({ committed });
    hold(a0);
    positions.awaitCommitted(a0);
    await positions.resetMissing();
    expect(calls).toBe(1);
    expect(reported).toEqual([]);
    expect(assignment.get(a0).retryAt).toBe(now() + 100);
    // Still waiting for its committed offset: no autoOffsetReset meanwhile.
    expect(lookups).toEqual([]);
    await positions.resetMissing();
    expect(calls).toBe(1);
  });
});

describe('PositionManager.seekTo', () => {
  it('moves partitions to the offset for the timestamp, retrying a retriable failure', async () => {
    const notLeader = protocolError(ErrorCode.NOT_LEADER_OR_FOLLOWER, undefined, a0);
    const { positions, assignment, lookups, invalidated, hold } = setup({ failures: [notLeader] });
    hold(a0, a1);
    positions.seek(a0, 20n);
    await positions.seekTo([a0, a1], EARLIEST_TIMESTAMP);
    expect(assignment.get(a0).position).toBe(10n);
    expect(assignment.get(a1).position).toBe(10n);
    expect(lookups).toHaveLength(2);
    expect(invalidated).toEqual(['a']);
  });

  it('throws a non-retriable failure at once, and refuses partitions not held', async () => {
    const invalid = protocolError(ErrorCode.INVALID_REQUEST, 'bad', a0);
    const { positions, lookups, hold } = setup({ failures: [invalid] });
    hold(a0);
    await expect(positions.seekTo([a0], LATEST_TIMESTAMP)).rejects.toBe(invalid);
    expect(lookups).toHaveLength(1);
    await expect(positions.seekTo([b0], LATEST_TIMESTAMP)).rejects.toThrow(/b:0 is not assigned/);
  });
});

describe('PositionManager.seek and outOfRange', () => {
  it('seeks held partitions to offsets >= 0n only, dropping what was buffered', () => {
    const { positions, assignment, hold } = setup();
    hold(a0);
    const state = assignment.get(a0);
    state.buffered = [new FetchedRecord<Buffer, Buffer>(a0.topic, a0.partition, 3n, 0, 0, null, null, [])];
    const generation = state.generation;
    positions.seek(a0, 5n);
    expect(state).toMatchObject({ position: 5n, buffered: [], generation: generation + 1 });
    expect(() => positions.seek(a0, -1n)).toThrow(InvalidArgumentError);
    expect(() => positions.seek(a0, 1 as unknown as bigint)).toThrow(InvalidArgumentError);
    expect(() => positions.seek(b0, 0n)).toThrow(InvalidArgumentError);
  });

  it('clears an out-of-range position for autoOffsetReset, or reports it when that is none', async () => {
    const resetting = setup();
    resetting.hold(a0);
    resetting.positions.seek(a0, 99n);
    resetting.positions.outOfRange(resetting.assignment.get(a0), 99n);
    expect(resetting.assignment.get(a0).position).toBeUndefined();
    await resetting.positions.resetMissing();
    expect(resetting.assignment.get(a0).position).toBe(10n);

    const strict = setup({ autoOffsetReset: 'none' });
    strict.hold(a0);
    strict.positions.seek(a0, 99n);
    strict.positions.outOfRange(strict.assignment.get(a0), 99n);
    expect(strict.assignment.get(a0).position).toBe(99n);
    expect(strict.reported).toEqual([expect.any(OffsetOutOfRangeError)]);
    expect(strict.reported[0]?.message).toMatch(/offset 99 .*topic "a" partition 0/);
  });
});
