import { describe, expect, it } from 'vitest';
import { API_MESSAGES, ApiKey } from './apis.js';
import { decodeMessage, encodeMessage, type KafkaStruct } from './codec.js';
import { Reader } from './reader.js';
import { Writer } from './writer.js';

// Byte layouts written out by hand from Kafka's SaslHandshake*, SaslAuthenticate*, CreateAcls*,
// DescribeAcls*, DeleteAcls* and *UserScramCredentials* message definitions: classic versions
// use int16 string and int32 array/bytes lengths; flexible ones compact (uvarint length + 1)
// lengths and a tagged-field section after each struct.

const hex = (text: string) => Buffer.from(text, 'utf8').toString('hex');

function encoded(apiKey: number, half: 'request' | 'response', version: number, value: KafkaStruct): string {
  const writer = new Writer();
  encodeMessage(API_MESSAGES.get(apiKey)![half], version, value, writer);
  return writer.toBuffer().toString('hex');
}

function decoded(apiKey: number, half: 'request' | 'response', version: number, bytes: string): KafkaStruct {
  return decodeMessage(API_MESSAGES.get(apiKey)![half], version, new Reader(Buffer.from(bytes, 'hex')));
}

function roundTrip(
  apiKey: number,
  half: 'request' | 'response',
  version: number,
  value: KafkaStruct,
  bytes: string,
) {
  expect(encoded(apiKey, half, version, value)).toBe(bytes);
  expect(decoded(apiKey, half, version, bytes)).toEqual(value);
}

describe('SASL messages', () => {
  it('SaslHandshake v0 and v1 (never flexible): the mechanism, then the error and enabled mechanisms', () => {
    for (const version of [0, 1]) {
      roundTrip(ApiKey.SaslHandshake, 'request', version, { mechanism: 'PLAIN' }, `0005${hex('PLAIN')}`);
      roundTrip(
        ApiKey.SaslHandshake,
        'response',
        version,
        { errorCode: 33, mechanisms: ['SCRAM-SHA-256'] },
        `0021` + `00000001` + `000d${hex('SCRAM-SHA-256')}`,
      );
    }
  });

  it('SaslAuthenticate v0: int32-length bytes; no session lifetime', () => {
    roundTrip(
      ApiKey.SaslAuthenticate,
      'request',
      0,
      { authBytes: Buffer.from('ab') },
      `00000002${hex('ab')}`,
    );
    const bytes = `003a` + `0002${hex('no')}` + `00000000`;
    const value = { errorCode: 58, errorMessage: 'no', authBytes: Buffer.alloc(0) };
    expect(encoded(ApiKey.SaslAuthenticate, 'response', 0, { ...value, sessionLifetimeMs: 5n })).toBe(bytes);
    // A field the version lacks decodes as its Kafka default.
    expect(decoded(ApiKey.SaslAuthenticate, 'response', 0, bytes)).toEqual({
      ...value,
      sessionLifetimeMs: 0n,
    });
  });

  it('SaslAuthenticate v1 adds session_lifetime_ms (KIP-368)', () => {
    roundTrip(
      ApiKey.SaslAuthenticate,
      'response',
      1,
      { errorCode: 0, errorMessage: null, authBytes: Buffer.from('x'), sessionLifetimeMs: 1000n },
      `0000` + `ffff` + `00000001${hex('x')}` + `00000000000003e8`,
    );
  });

  it('SaslAuthenticate v2 is flexible: compact bytes and tagged fields', () => {
    roundTrip(ApiKey.SaslAuthenticate, 'request', 2, { authBytes: Buffer.from('ab') }, `03${hex('ab')}00`);
    roundTrip(
      ApiKey.SaslAuthenticate,
      'response',
      2,
      { errorCode: 0, errorMessage: null, authBytes: Buffer.from('x'), sessionLifetimeMs: 60_000n },
      `0000` + `00` + `02${hex('x')}` + `000000000000ea60` + `00`,
    );
  });
});

describe('ACL messages', () => {
  it('CreateAcls v3 (flexible): one creation with Kafka’s enum codes', () => {
    roundTrip(
      ApiKey.CreateAcls,
      'request',
      3,
      {
        creations: [
          {
            resourceType: 2, // TOPIC
            resourceName: 't',
            resourcePatternType: 3, // LITERAL
            principal: 'User:a',
            host: '*',
            operation: 4, // WRITE
            permissionType: 3, // ALLOW
          },
        ],
      },
      `02` +
        `02` +
        `02${hex('t')}` +
        `03` +
        `07${hex('User:a')}` +
        `02${hex('*')}` +
        `04` +
        `03` +
        `00` +
        `00`,
    );
    roundTrip(
      ApiKey.CreateAcls,
      'response',
      2,
      { throttleTimeMs: 0, results: [{ errorCode: 31, errorMessage: 'no' }] },
      `00000000` + `02` + `001f` + `03${hex('no')}` + `00` + `00`,
    );
  });

  it('DescribeAcls v2: nullable filters; the answer grouped by resource', () => {
    roundTrip(
      ApiKey.DescribeAcls,
      'request',
      2,
      {
        resourceTypeFilter: 1, // ANY
        resourceNameFilter: null,
        patternTypeFilter: 1,
        principalFilter: 'User:a',
        hostFilter: null,
        operation: 1,
        permissionType: 1,
      },
      `01` + `00` + `01` + `07${hex('User:a')}` + `00` + `01` + `01` + `00`,
    );
    roundTrip(
      ApiKey.DescribeAcls,
      'response',
      3,
      {
        throttleTimeMs: 0,
        errorCode: 0,
        errorMessage: null,
        resources: [
          {
            resourceType: 3, // GROUP
            resourceName: 'g',
            patternType: 4, // PREFIXED
            acls: [{ principal: 'User:a', host: '*', operation: 3, permissionType: 2 }],
          },
        ],
      },
      `00000000` +
        `0000` +
        `00` +
        `02` +
        `03` +
        `02${hex('g')}` +
        `04` +
        `02` +
        `07${hex('User:a')}` +
        `02${hex('*')}` +
        `03` +
        `02` +
        `00` +
        `00` +
        `00`,
    );
  });

  it('DeleteAcls v2: each filter answers the bindings it matched', () => {
    const value = {
      throttleTimeMs: 0,
      filterResults: [
        {
          errorCode: 0,
          errorMessage: null,
          matchingAcls: [
            {
              errorCode: 0,
              errorMessage: null,
              resourceType: 4,
              resourceName: 'kafka-cluster',
              patternType: 3,
              principal: 'User:a',
              host: '*',
              operation: 7,
              permissionType: 3,
            },
          ],
        },
      ],
    };
    const bytes = encoded(ApiKey.DeleteAcls, 'response', 2, value);
    expect(bytes).toBe(
      `00000000` +
        `02` +
        `0000` +
        `00` +
        `02` +
        `0000` +
        `00` +
        `04` +
        `0e${hex('kafka-cluster')}` +
        `03` +
        `07${hex('User:a')}` +
        `02${hex('*')}` +
        `07` +
        `03` +
        `00` +
        `00` +
        `00`,
    );
    expect(decoded(ApiKey.DeleteAcls, 'response', 2, bytes)).toEqual(value);
  });
});

describe('SCRAM credential messages (KIP-554, flexible from v0)', () => {
  it('DescribeUserScramCredentials v0: null users = every user; mechanism codes 1 and 2', () => {
    roundTrip(ApiKey.DescribeUserScramCredentials, 'request', 0, { users: null }, `00` + `00`);
    roundTrip(
      ApiKey.DescribeUserScramCredentials,
      'response',
      0,
      {
        throttleTimeMs: 0,
        errorCode: 0,
        errorMessage: null,
        results: [
          {
            user: 'a',
            errorCode: 0,
            errorMessage: null,
            credentialInfos: [{ mechanism: 2, iterations: 4096 }],
          },
        ],
      },
      `00000000` +
        `0000` +
        `00` +
        `02` +
        `02${hex('a')}` +
        `0000` +
        `00` +
        `02` +
        `02` +
        `00001000` +
        `00` +
        `00` +
        `00`,
    );
  });

  it('AlterUserScramCredentials v0: the salted password travels, never the password', () => {
    roundTrip(
      ApiKey.AlterUserScramCredentials,
      'request',
      0,
      {
        deletions: [],
        upsertions: [
          {
            name: 'a',
            mechanism: 1,
            iterations: 4096,
            salt: Buffer.from([1, 2]),
            saltedPassword: Buffer.from([3]),
          },
        ],
      },
      `01` + `02` + `02${hex('a')}` + `01` + `00001000` + `030102` + `0203` + `00` + `00`,
    );
  });
});
