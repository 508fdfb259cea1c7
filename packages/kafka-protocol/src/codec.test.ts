import { describe, expect, it } from 'vitest';
import { API_MESSAGES, ApiKey } from './apis.js';
import { decodeMessage, encodeMessage, type KafkaStruct } from './codec.js';
import { KafkaProtocolError } from './errors.js';
import { decodeRequestHeader, encodeRequestHeader, frameResponse } from './header.js';
import { Reader } from './reader.js';
import { Writer } from './writer.js';

const api = (key: number) => API_MESSAGES.get(key)!;

function encode(schema: Parameters<typeof encodeMessage>[0], version: number, value: KafkaStruct): Buffer {
  const writer = new Writer();
  encodeMessage(schema, version, value, writer);
  return writer.toBuffer();
}

describe('request header', () => {
  it('v1 (classic): api key, version, correlation id, int16-length client id', () => {
    const writer = new Writer();
    encodeRequestHeader(
      { apiKey: ApiKey.Metadata, apiVersion: 6, correlationId: 7, clientId: 'kcat' },
      writer,
    );
    expect(writer.toBuffer().toString('hex')).toBe(
      '00030006000000070004' + Buffer.from('kcat').toString('hex'),
    );
  });

  it('v2 (flexible): the client id stays a classic string, then an empty tagged-field section', () => {
    const writer = new Writer();
    encodeRequestHeader(
      { apiKey: ApiKey.Metadata, apiVersion: 12, correlationId: 1, clientId: null },
      writer,
    );
    expect(writer.toBuffer().toString('hex')).toBe('0003000c00000001ffff00');
    const header = decodeRequestHeader(new Reader(writer.toBuffer()));
    expect(header).toEqual({ apiKey: 3, apiVersion: 12, correlationId: 1, clientId: null, headerVersion: 2 });
  });
});

describe('response framing', () => {
  it('ApiVersions v3 has a v0 response header (no tagged fields) and a flexible body', () => {
    const body = new Writer();
    encodeMessage(
      api(ApiKey.ApiVersions).response,
      3,
      {
        errorCode: 0,
        apiKeys: [{ apiKey: 18, minVersion: 0, maxVersion: 3 }],
        throttleTimeMs: 0,
      },
      body,
    );
    const frame = Buffer.concat(frameResponse(body, ApiKey.ApiVersions, 3, 9));
    expect(frame.toString('hex')).toBe(
      // size 19 | correlation 9 | error 0 | 1 key (compact 2) | 18, 0, 3, no tags | throttle 0 | no tags
      '00000013' + '00000009' + '0000' + '02' + '0012' + '0000' + '0003' + '00' + '00000000' + '00',
    );
  });

  it('a flexible response other than ApiVersions gets the v1 header (one byte of tagged fields)', () => {
    const body = new Writer();
    encodeMessage(api(ApiKey.DescribeCluster).response, 0, { clusterId: 'c', brokers: [] }, body);
    const frame = Buffer.concat(frameResponse(body, ApiKey.DescribeCluster, 0, 1));
    expect(frame.subarray(4, 9).toString('hex')).toBe('0000000100');
  });
});

describe('messages', () => {
  it('Metadata v1 request: topics as an int32-counted array of int16-length strings', () => {
    const bytes = encode(api(ApiKey.Metadata).request, 1, { topics: [{ name: 'ab' }] });
    expect(bytes.toString('hex')).toBe('00000001' + '0002' + '6162');
    expect(decodeMessage(api(ApiKey.Metadata).request, 1, new Reader(bytes)).topics).toEqual([
      { name: 'ab', topicId: '00000000-0000-0000-0000-000000000000' },
    ]);
  });

  it('Metadata v12 request: compact arrays, nullable topics (null = all topics)', () => {
    const bytes = encode(api(ApiKey.Metadata).request, 12, { topics: null, allowAutoTopicCreation: false });
    expect(bytes.toString('hex')).toBe('00' + '00' + '00' + '00');
    expect(decodeMessage(api(ApiKey.Metadata).request, 12, new Reader(bytes)).topics).toBeNull();
  });

  it('round-trips a Fetch v12 response with a tagged CurrentLeader and records by reference', () => {
    const records = Buffer.alloc(4096, 7);
    const value = {
      throttleTimeMs: 0,
      errorCode: 0,
      sessionId: 0,
      responses: [
        {
          topic: 't',
          partitions: [
            {
              partitionIndex: 2,
              errorCode: 6,
              highWatermark: 10n,
              lastStableOffset: 10n,
              logStartOffset: 0n,
              currentLeader: { leaderId: 3, leaderEpoch: 4 },
              abortedTransactions: null,
              preferredReadReplica: -1,
              records,
            },
          ],
        },
      ],
    };
    const writer = new Writer();
    encodeMessage(api(ApiKey.Fetch).response, 12, value, writer);
    expect(writer.chunks()).toContain(records);
    const decoded = decodeMessage(api(ApiKey.Fetch).response, 12, new Reader(writer.toBuffer()));
    const partition = (decoded.responses as KafkaStruct[])[0]!.partitions as KafkaStruct[];
    expect(partition[0]!.currentLeader).toEqual({ leaderId: 3, leaderEpoch: 4 });
    expect(partition[0]!.highWatermark).toBe(10n);
    expect((partition[0]!.records as Buffer).equals(records)).toBe(true);
    expect(partition[0]!.divergingEpoch).toEqual({ epoch: -1, endOffset: -1n });
  });

  it('skips tagged fields it does not know', () => {
    // DescribeCluster v0 request: includeClusterAuthorizedOperations=false, then tag 9 (2 bytes).
    const bytes = Buffer.from('00' + '01' + '09' + '02' + 'abcd', 'hex');
    const reader = new Reader(bytes);
    expect(decodeMessage(api(ApiKey.DescribeCluster).request, 0, reader)).toEqual({
      includeClusterAuthorizedOperations: false,
      endpointType: 1,
    });
    expect(reader.remaining).toBe(0);
  });

  it('refuses a count beyond the remaining bytes before building the array', () => {
    // Produce v3: transactionalId null, acks -1, timeout 0, then 2^31-1 topics in 0 bytes.
    const bytes = Buffer.from('ffff' + 'ffff' + '00000000' + '7fffffff', 'hex');
    expect(() => decodeMessage(api(ApiKey.Produce).request, 3, new Reader(bytes))).toThrow(
      /topicData: array of 2147483647 elements exceeds 0/,
    );
  });

  it('refuses a null where the version does not allow one', () => {
    const bytes = Buffer.from('ffffffff', 'hex'); // Metadata v0: topics = null
    expect(() => decodeMessage(api(ApiKey.Metadata).request, 0, new Reader(bytes))).toThrow(
      KafkaProtocolError,
    );
    expect(() => decodeMessage(api(ApiKey.Metadata).request, 0, new Reader(bytes))).toThrow(/not nullable/);
  });

  it('refuses a truncated message naming what was missing', () => {
    expect(() =>
      decodeMessage(api(ApiKey.Produce).request, 3, new Reader(Buffer.from('ffff00', 'hex'))),
    ).toThrow(/int16 needs 2 bytes but only 1 remain/);
  });
});
