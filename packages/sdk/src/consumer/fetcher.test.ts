import { Compression, ErrorCode, encodeRecordBatch, type v1 } from '@fjord/protocol';
import { describe, expect, it } from 'vitest';
import { CorruptMessageError, NotLeaderError, UnknownTopicOrPartitionError } from '../errors.js';
import { RecordDecodeError } from '../record-decode-error.js';
import { NO_HEADERS } from './consumer-record.js';
import { applyFetchResponse, buildFetchRequest, decodeFetched, type FetchTarget } from './fetcher.js';
import { newPartitionState, seekState } from './partition-state.js';
import { bogusLengthBatch } from './record-batches.fixture.js';

function batch(baseOffset: bigint, count: number, firstValue = Number(baseOffset)): Buffer {
  return encodeRecordBatch({
    baseOffset,
    records: Array.from({ length: count }, (_, i) => ({
      key: Buffer.from(`k${firstValue + i}`),
      value: Buffer.from(`v${firstValue + i}`),
      headers: [{ key: 'h', value: Buffer.from('x') }],
      timestamp: 1_700_000_000_000 + i,
    })),
  });
}

describe('decodeFetched', () => {
  it('skips records below the position in the first batch', () => {
    const bytes = Buffer.concat([batch(10n, 5), batch(15n, 3)]);
    const { records, end } = decodeFetched(bytes, 12n);
    expect(records.map((r) => r.offset)).toEqual([12n, 13n, 14n, 15n, 16n, 17n]);
    expect(records[0]?.value?.toString()).toBe('v12');
    expect(records[0]?.headers).toEqual({ h: Buffer.from('x') });
    expect(end).toBe(18n);
  });

  it('makes consumer records directly: topic and partition set, one shared frozen headers object for records without any', () => {
    const bare = encodeRecordBatch({
      baseOffset: 2n ** 53n + 5n,
      records: [0, 1, 2].map((i) => ({
        key: null,
        value: Buffer.from(`b${i}`),
        timestamp: 1_700_000_000_000,
      })),
    });
    const { records, end } = decodeFetched(bare, 2n ** 53n + 6n, undefined, {
      topic: 'orders',
      partition: 3,
    });
    expect(records.map((r) => [r.topic, r.partition, r.offset, r.value?.toString()])).toEqual([
      ['orders', 3, 2n ** 53n + 6n, 'b1'],
      ['orders', 3, 2n ** 53n + 7n, 'b2'],
    ]);
    expect(records[0]!.headers).toBe(NO_HEADERS);
    expect(records[1]!.headers).toBe(NO_HEADERS);
    expect(Object.isFrozen(NO_HEADERS)).toBe(true);
    expect(records[1]!.nextOffset()).toBe(end);
  });

  it('refuses a compressed batch that expands beyond the cap, and decodes it under a larger one', () => {
    const bomb = encodeRecordBatch({
      compression: Compression.Gzip,
      records: [{ key: null, value: Buffer.alloc(4 << 20), timestamp: 1_700_000_000_000 }],
    });
    expect(bomb.length).toBeLessThan(64 << 10);
    const refused = decodeFetched(bomb, 0n, 1 << 20);
    expect(refused.records).toEqual([]);
    expect(refused.undecodable?.offset).toBe(0n);
    expect(refused.undecodable?.cause).toMatchObject({ code: ErrorCode.MESSAGE_TOO_LARGE });
    expect(decodeFetched(bomb, 0n, 8 << 20).records[0]!.value!.length).toBe(4 << 20);
  });

  it('ignores a batch cut off by the byte limit', () => {
    const whole = batch(0n, 2);
    const cut = batch(2n, 4).subarray(0, 40);
    const { records, end } = decodeFetched(Buffer.concat([whole, cut]), 0n);
    expect(records.map((r) => r.offset)).toEqual([0n, 1n]);
    expect(end).toBe(2n);
  });

  it('returns nothing for empty bytes or batches wholly before the position', () => {
    expect(decodeFetched(Buffer.alloc(0), 5n)).toEqual({ records: [], end: 5n });
    expect(decodeFetched(batch(0n, 3), 3n)).toEqual({ records: [], end: 3n });
  });

  it('reports a batch whose CRC does not match as undecodable, with CORRUPT_MESSAGE', () => {
    const bytes = Buffer.from(batch(0n, 2));
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] as number) ^ 0xff;
    const { records, undecodable } = decodeFetched(bytes, 0n);
    expect(records).toEqual([]);
    expect(undecodable).toMatchObject({ offset: 0n, nextOffset: 2n });
    expect(undecodable?.cause).toMatchObject({ code: ErrorCode.CORRUPT_MESSAGE, message: /CRC/ });
  });

  it('keeps the records before an undecodable batch and stops there', () => {
    const bytes = Buffer.concat([batch(0n, 3), bogusLengthBatch(3n, 2), batch(5n, 2)]);
    const { records, end, undecodable } = decodeFetched(bytes, 1n);
    expect(records.map((r) => r.offset)).toEqual([1n, 2n]);
    expect(end).toBe(3n);
    expect(undecodable).toMatchObject({ offset: 3n, nextOffset: 5n });
    expect(undecodable?.cause).toMatchObject({ code: ErrorCode.INVALID_RECORD, message: /length 1048576/ });
  });

  it('names the position when it lies inside the undecodable batch', () => {
    const { records, end, undecodable } = decodeFetched(bogusLengthBatch(10n, 3), 11n);
    expect(records).toEqual([]);
    expect(end).toBe(11n);
    expect(undecodable).toMatchObject({ offset: 11n, nextOffset: 13n });
  });
});

function response(partitions: Array<Partial<v1.FetchPartitionResult__Output>>): v1.FetchResponse__Output {
  return {
    throttleTimeMs: 0,
    topics: [
      {
        topic: 'orders',
        topicId: 'id',
        partitions: partitions.map((p) => ({
          partition: 0,
          errorCode: 0,
          errorMessage: '',
          highWatermark: '0',
          logStartOffset: '0',
          records: Buffer.alloc(0),
          ...p,
        })),
      },
    ],
  };
}

function target(partition: number, position: bigint): FetchTarget {
  const state = newPartitionState({ topic: 'orders', partition });
  seekState(state, position);
  return { state, fetchOffset: position, generation: state.generation, leaderEpoch: 3 };
}

describe('buildFetchRequest', () => {
  it('asks one broker for every target, offsets as decimal strings', () => {
    const request = buildFetchRequest([target(0, 5n), target(2, 9_007_199_254_740_993n)], {
      maxWaitMs: 500,
      minBytes: 1,
      maxBytes: 100,
      maxPartitionBytes: 10,
    });
    expect(request).toEqual({
      replicaId: -1,
      maxWaitMs: 500,
      minBytes: 1,
      maxBytes: 100,
      topics: [
        {
          topic: 'orders',
          partitions: [
            { partition: 0, fetchOffset: '5', partitionMaxBytes: 10, currentLeaderEpoch: 3 },
            { partition: 2, fetchOffset: '9007199254740993', partitionMaxBytes: 10, currentLeaderEpoch: 3 },
          ],
        },
      ],
    });
  });
});

describe('applyFetchResponse', () => {
  it('buffers records at or after the position and records the high watermark', () => {
    const t = target(0, 3n);
    const outcome = applyFetchResponse([t], response([{ records: batch(0n, 6), highWatermark: '6' }]));
    expect(outcome).toEqual({ retriable: [], outOfRange: [], fatal: [] });
    expect(t.state.buffered.map((r) => r.offset)).toEqual([3n, 4n, 5n]);
    expect(t.state.bufferEnd).toBe(6n);
    expect(t.state.highWatermark).toBe(6n);
  });

  it('drops an answer for a partition sought since the request went out', () => {
    const t = target(0, 0n);
    seekState(t.state, 0n); // same offset, new generation
    applyFetchResponse([t], response([{ records: batch(0n, 2) }]));
    expect(t.state.buffered).toEqual([]);
  });

  it('sorts partition errors into out-of-range, retriable and fatal', () => {
    const targets = [target(0, 7n), target(1, 0n), target(2, 0n)];
    const outcome = applyFetchResponse(
      targets,
      response([
        { partition: 0, errorCode: ErrorCode.OFFSET_OUT_OF_RANGE },
        { partition: 1, errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER },
        { partition: 2, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION },
      ]),
    );
    expect(outcome.outOfRange).toEqual([{ state: targets[0]?.state, offset: 7n }]);
    expect(outcome.retriable.map((r) => r.error)).toEqual([expect.any(NotLeaderError)]);
    expect(outcome.fatal).toEqual([
      { state: targets[2]?.state, error: expect.any(UnknownTopicOrPartitionError) },
    ]);
    expect(outcome.fatal[0]?.error).toMatchObject({ partition: 2 });
  });

  it('keeps a corrupt batch as a RecordDecodeError naming topic, partition and offset', () => {
    const bytes = Buffer.from(batch(4n, 2));
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] as number) ^ 0xff;
    const t = target(0, 4n);
    t.state.failures = 2;
    const outcome = applyFetchResponse([t], response([{ records: bytes }]));
    expect(outcome).toEqual({ retriable: [], outOfRange: [], fatal: [] });
    const error = t.state.undecodable;
    expect(error).toBeInstanceOf(RecordDecodeError);
    expect(error).toMatchObject({
      code: 'RECORD_DECODE_ERROR',
      topic: 'orders',
      partition: 0,
      offset: 4n,
      nextOffset: 6n,
      retriable: false,
    });
    expect(error?.message).toContain('offset 4 of topic "orders" partition 0');
    expect(error?.cause).toBeInstanceOf(CorruptMessageError);
    // Meeting the same bad batch again must not restart the backoff from its shortest wait.
    expect(t.state.failures).toBe(2);
  });

  it('buffers the records before an undecodable batch and keeps the error for after them', () => {
    const t = target(0, 0n);
    applyFetchResponse([t], response([{ records: Buffer.concat([batch(0n, 2), bogusLengthBatch(2n, 1)]) }]));
    expect(t.state.buffered.map((r) => r.offset)).toEqual([0n, 1n]);
    expect(t.state.bufferEnd).toBe(2n);
    expect(t.state.undecodable).toMatchObject({ offset: 2n, nextOffset: 3n });
    const clean = target(0, 0n);
    clean.state.failures = 3;
    applyFetchResponse([clean], response([{ records: batch(0n, 2) }]));
    expect(clean.state.failures).toBe(0);
    expect(clean.state.undecodable).toBeUndefined();
  });

  it('treats a partition missing from the answer as retriable', () => {
    const outcome = applyFetchResponse([target(5, 0n)], response([]));
    expect(outcome.retriable).toHaveLength(1);
    expect(outcome.retriable[0]?.error.retriable).toBe(true);
  });
});
