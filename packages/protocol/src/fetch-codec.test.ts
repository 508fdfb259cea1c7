import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeFetchResponse, type FetchAnswer } from './fetch-codec.js';
import type { FetchResponse__Output } from './gen/fjord/v1/FetchResponse.js';
import { loadFjordProto } from './grpc.js';

// The generated codec: what every client of the .proto decodes (and what grpc-js would encode).
const fetchMethod = loadFjordProto().fjord.v1.BrokerService.service.Fetch;
const decode = (bytes: Buffer) => fetchMethod.responseDeserialize(bytes) as FetchResponse__Output;

// The answer as the generated decoder gives it back: int64 as decimal strings, records joined.
function asDecoded(answer: FetchAnswer): FetchResponse__Output {
  return {
    throttleTimeMs: answer.throttleTimeMs,
    topics: answer.topics.map((t) => ({
      topic: t.topic,
      topicId: t.topicId,
      partitions: t.partitions.map((p) => ({
        partition: p.partition,
        errorCode: p.errorCode,
        errorMessage: p.errorMessage,
        highWatermark: p.highWatermark.toString(),
        logStartOffset: p.logStartOffset.toString(),
        records: Buffer.concat(p.records),
      })),
    })),
  };
}

const int32 = fc.integer({ min: -2147483648, max: 2147483647 });
const int64 = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
const bytes = fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a));
const answers: fc.Arbitrary<FetchAnswer> = fc.record({
  throttleTimeMs: int32,
  topics: fc.array(
    fc.record({
      topic: fc.string({ unit: 'grapheme', maxLength: 40 }),
      topicId: fc.string({ maxLength: 36 }),
      partitions: fc.array(
        fc.record({
          partition: int32,
          errorCode: int32,
          errorMessage: fc.string({ unit: 'grapheme', maxLength: 200 }),
          highWatermark: int64,
          logStartOffset: int64,
          records: fc.array(bytes, { maxLength: 5 }),
        }),
        { maxLength: 4 },
      ),
    }),
    { maxLength: 4 },
  ),
});

describe('encodeFetchResponse', () => {
  it('writes what the generated codec decodes to the same answer, for any answer', () => {
    fc.assert(
      fc.property(answers, (answer) => {
        expect(decode(encodeFetchResponse(answer))).toEqual(asDecoded(answer));
      }),
      { numRuns: 300 },
    );
  });

  it('decodes like the generated encoder’s bytes of the same answer', () => {
    fc.assert(
      fc.property(answers, (answer) => {
        const generated = fetchMethod.responseSerialize(asDecoded(answer));
        expect(decode(encodeFetchResponse(answer))).toEqual(decode(generated));
      }),
      { numRuns: 100 },
    );
  });

  it('writes a partition’s batches back to back, large ones included (multi-byte lengths)', () => {
    const batches = [Buffer.alloc(70_000, 1), Buffer.alloc(3, 2), Buffer.alloc(0), Buffer.alloc(200_000, 3)];
    const answer: FetchAnswer = {
      throttleTimeMs: 0,
      topics: [
        {
          topic: 'orders',
          topicId: 'id',
          partitions: [
            {
              partition: 0,
              errorCode: 0,
              errorMessage: '',
              highWatermark: 9n,
              logStartOffset: 0n,
              records: batches,
            },
          ],
        },
      ],
    };
    const decoded = decode(encodeFetchResponse(answer));
    expect(decoded.topics[0]!.partitions[0]!.records.equals(Buffer.concat(batches))).toBe(true);
    expect(decoded.topics[0]!.partitions[0]!.highWatermark).toBe('9');
  });

  it('refuses numbers its fields cannot hold, naming the field', () => {
    const answer = (partition: number, highWatermark: bigint): FetchAnswer => ({
      throttleTimeMs: 0,
      topics: [
        {
          topic: 't',
          topicId: '',
          partitions: [
            { partition, errorCode: 0, errorMessage: '', highWatermark, logStartOffset: 0n, records: [] },
          ],
        },
      ],
    });
    expect(() => encodeFetchResponse(answer(2 ** 31, 0n))).toThrow(/field 1: 2147483648 is not an int32/);
    expect(() => encodeFetchResponse(answer(0.5, 0n))).toThrow(/is not an int32/);
    expect(() => encodeFetchResponse(answer(Number.NaN, 0n))).toThrow(/is not an int32/);
    expect(() => encodeFetchResponse(answer(0, 2n ** 63n))).toThrow(
      /field 4: 9223372036854775808 is not an int64/,
    );
  });

  it('gives output that the generated decoder refuses once truncated', () => {
    fc.assert(
      fc.property(
        answers.filter((a) => a.topics.length > 0),
        fc.nat(),
        (answer, cut) => {
          const whole = encodeFetchResponse(answer);
          const truncated = whole.subarray(0, cut % whole.length);
          let threw = false;
          try {
            decode(truncated);
          } catch {
            threw = true;
          }
          // A cut can fall on a field boundary of the last topic; then the prefix decodes to fewer fields.
          if (!threw) expect(decode(truncated)).not.toEqual(asDecoded(answer));
        },
      ),
      { numRuns: 200 },
    );
  });
});
