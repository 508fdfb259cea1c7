import { ErrorCode } from '@fjord/protocol';
import * as grpc from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { guardedDefinition, guardedDeserializer, RefusedRequest } from './request-guard.js';

const decodeJson = (bytes: Buffer) => JSON.parse(bytes.toString()) as unknown;

describe('guardedDeserializer', () => {
  it('decodes a body within the cap as the method would', () => {
    expect(guardedDeserializer('Echo', decodeJson, 64)(Buffer.from('{"a":1}'))).toEqual({ a: 1 });
  });

  it('refuses a body over the cap with MESSAGE_TOO_LARGE, without decoding it', () => {
    let decoded = false;
    const refused = guardedDeserializer(
      'Fetch',
      () => {
        decoded = true;
        return {};
      },
      4,
    )(Buffer.from('12345'));
    expect(decoded).toBe(false);
    expect(refused).toEqual(
      new RefusedRequest(
        ErrorCode.MESSAGE_TOO_LARGE,
        "Fetch request is 5 bytes, over this server's limit of 4 bytes for it",
      ),
    );
  });

  it('turns a decoder failure into INVALID_REQUEST naming the method and the complaint', () => {
    const refused = guardedDeserializer('Produce', decodeJson, undefined)(Buffer.from('{')) as RefusedRequest;
    expect(refused).toBeInstanceOf(RefusedRequest);
    expect(refused.fjordCode).toBe(ErrorCode.INVALID_REQUEST);
    expect(refused.message).toMatch(/^Produce request is not a valid protobuf message of its type: /);
    const error = refused.toServiceError();
    expect(error.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(error.metadata.get('fjord-error-code')).toEqual([String(ErrorCode.INVALID_REQUEST)]);
  });
});

describe('guardedDefinition', () => {
  const method = {
    path: '/t.T/Echo',
    requestStream: false,
    responseStream: false,
    requestSerialize: (b: Buffer) => b,
    requestDeserialize: decodeJson,
    responseSerialize: (b: Buffer) => b,
    responseDeserialize: (b: Buffer) => b,
  };

  it('guards every method and refuses a cap for a method the service does not have', () => {
    const guarded = guardedDefinition({ Echo: method }, { Echo: 2 });
    expect(guarded.Echo!.requestDeserialize(Buffer.from('{}'))).toEqual({});
    expect(guarded.Echo!.requestDeserialize(Buffer.from('{ }'))).toBeInstanceOf(RefusedRequest);
    expect(() => guardedDefinition({ Echo: method }, { Fetch: 2 })).toThrow(
      /Fetch, which the service has no method of/,
    );
  });
});
