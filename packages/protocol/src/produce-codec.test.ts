import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type * as v1 from './gen/index.js';
import { loadFjordProto } from './grpc.js';
import {
  decodeProduceRequest,
  decodeProduceStreamRequest,
  encodeProduceRequest,
  encodeProduceStreamRequest,
  ProduceCodecError,
} from './produce-codec.js';

const service = loadFjordProto().fjord.v1.BrokerService.service;
const generated = {
  encode: (request: v1.ProduceRequest) => service.Produce.requestSerialize(request),
  decode: (bytes: Buffer) => service.Produce.requestDeserialize(bytes),
  encodeStream: (message: v1.ProduceStreamRequest) => service.ProduceStream.requestSerialize(message),
  decodeStream: (bytes: Buffer) => service.ProduceStream.requestDeserialize(bytes),
};

const int32 = fc.integer({ min: -0x8000_0000, max: 0x7fff_ffff });
const request = fc.record({
  acks: fc.oneof(fc.constantFrom(-1, 0, 1), int32),
  timeoutMs: int32,
  topics: fc.array(
    fc.record({
      topic: fc.string({ unit: 'grapheme', maxLength: 20 }),
      partitions: fc.array(
        fc.record({
          partition: int32,
          records: fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)),
        }),
        { maxLength: 4 },
      ),
    }),
    { maxLength: 4 },
  ),
});
const correlationId = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }).map(String);

/** Plain copies of what both decoders return, so that prototypes and buffer identities do not matter. */
function plain(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value));
}

describe('produce codec', () => {
  it('decodes what the generated codec encodes, as the generated codec decodes it', () => {
    fc.assert(
      fc.property(request, (r) => {
        const bytes = generated.encode(r);
        expect(plain(decodeProduceRequest(bytes))).toEqual(plain(generated.decode(bytes)));
      }),
    );
  });

  it('encodes what the generated codec decodes to the same request', () => {
    fc.assert(
      fc.property(request, (r) => {
        expect(plain(generated.decode(encodeProduceRequest(r)))).toEqual(
          plain(generated.decode(generated.encode(r))),
        );
      }),
    );
  });

  it('round-trips stream requests against the generated codec, 64-bit correlation ids included', () => {
    fc.assert(
      fc.property(correlationId, fc.option(request, { nil: null }), (id, r) => {
        const message = { correlationId: id, request: r };
        const ours = encodeProduceStreamRequest(message);
        expect(plain(generated.decodeStream(ours))).toEqual(
          plain(generated.decodeStream(generated.encodeStream(message))),
        );
        expect(plain(decodeProduceStreamRequest(generated.encodeStream(message)))).toEqual(
          plain(generated.decodeStream(generated.encodeStream(message))),
        );
      }),
    );
  });

  it('keeps records as views of the received buffer', () => {
    const records = Buffer.from('a record batch would be here');
    const wire = Buffer.concat([
      Buffer.alloc(7),
      encodeProduceStreamRequest({
        correlationId: 9,
        request: { acks: 1, topics: [{ topic: 't', partitions: [{ partition: 3, records }] }] },
      }),
    ]).subarray(7);
    const decoded = decodeProduceStreamRequest(wire);
    const got = decoded.request!.topics[0]!.partitions[0]!.records;
    expect(got.equals(records)).toBe(true);
    expect(got.buffer).toBe(wire.buffer);
    expect(got.byteOffset).toBeGreaterThan(wire.byteOffset);
  });

  it('skips fields it does not know, as protobuf requires', () => {
    // Field 15 (varint), field 14 (fixed64), field 13 (bytes), field 12 (fixed32) before acks=1.
    const unknown = Buffer.from([
      0x78, 0x05, 0x71, 1, 2, 3, 4, 5, 6, 7, 8, 0x6a, 0x02, 0xaa, 0xbb, 0x65, 1, 2, 3, 4,
    ]);
    const bytes = Buffer.concat([unknown, generated.encode({ acks: 1, timeoutMs: 30 })]);
    expect(decodeProduceRequest(bytes)).toEqual({ acks: 1, timeoutMs: 30, topics: [] });
  });

  it('refuses every truncation of a request with an error naming the field', () => {
    fc.assert(
      fc.property(
        request.filter((r) => r.topics.some((t) => t.partitions.some((p) => p.records.length > 0))),
        fc.nat(),
        (r, cut) => {
          const bytes = generated.encode(r);
          const at = cut % bytes.length;
          const truncated = bytes.subarray(0, at);
          // A cut at a field boundary of the top level is a valid, shorter request.
          let decoded: v1.ProduceRequest__Output | undefined;
          try {
            decoded = decodeProduceRequest(truncated);
          } catch (error) {
            expect(error).toBeInstanceOf(ProduceCodecError);
            expect((error as Error).message).toMatch(/^ProduceRequest[.\w[\]]*: .+ \(at byte \d+\)$/);
            expect(() => generated.decode(truncated)).toThrow();
            return;
          }
          expect(plain(decoded)).toEqual(plain(generated.decode(truncated)));
        },
      ),
    );
  });

  it('names the place of malformed input', () => {
    // A partition whose records field declares 10 bytes and holds 6; the enclosing lengths agree.
    const partition = Buffer.from([0x12, 0x0a, 1, 2, 3, 4, 5, 6]);
    const topic = Buffer.from([0x0a, 0x01, 0x74, 0x12, partition.length, ...partition]);
    const bytes = Buffer.from([0x1a, topic.length, ...topic]);
    expect(() => decodeProduceRequest(bytes)).toThrow(
      'ProduceRequest.topics[0].partitions[0]: records declares 10 bytes, 6 left (at byte 9)',
    );
    expect(() => generated.decode(bytes)).toThrow();
    // acks (field 1) sent as a length-delimited field.
    expect(() => decodeProduceRequest(Buffer.from([0x0a, 0x00]))).toThrow(
      'ProduceRequest: acks has wire type 2, expected 0 (at byte 1)',
    );
    expect(() =>
      decodeProduceRequest(
        Buffer.from([0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]),
      ),
    ).toThrow(/varint longer than 10 bytes/);
    expect(() => decodeProduceRequest(Buffer.from([0x00]))).toThrow(/invalid field number 0/);
    expect(() => decodeProduceRequest(Buffer.from([0x7b]))).toThrow(
      /field 15 has wire type 3, which proto3 does not use/,
    );
  });

  it('keeps the correlation id of a stream request whose body is malformed', () => {
    const good = encodeProduceStreamRequest({
      correlationId: '18446744073709551615',
      request: {
        acks: 1,
        topics: [{ topic: 't', partitions: [{ partition: 0, records: Buffer.alloc(50) }] }],
      },
    });
    let caught: unknown;
    try {
      decodeProduceStreamRequest(good.subarray(0, good.length - 10));
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ProduceCodecError);
    expect((caught as ProduceCodecError).correlationId).toBe('18446744073709551615');
    expect((caught as Error).message).toMatch(/^ProduceStreamRequest: request declares \d+ bytes, \d+ left/);
  });

  it('refuses values the wire cannot carry', () => {
    expect(() => encodeProduceRequest({ acks: 2 ** 31 })).toThrow('acks must be an int32, got 2147483648');
    expect(() => encodeProduceRequest({ topics: [{ partitions: [{ records: 'AAAA' }] }] })).toThrow(
      'topics[0].partitions[0].records must be bytes, not a string',
    );
    expect(() => encodeProduceStreamRequest({ correlationId: -1 })).toThrow(/unsigned 64-bit/);
  });
});
