import * as grpc from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from './errors.js';
import { boundedStatusMessage, grpcRequestError, MAX_STATUS_MESSAGE_LENGTH } from './grpc.js';

describe('grpcRequestError', () => {
  it('keeps a message of ordinary size as it is', () => {
    const error = grpcRequestError(grpc.status.INVALID_ARGUMENT, ErrorCode.INVALID_REQUEST, 'bad topic');
    expect(error.details).toBe('bad topic');
    expect(error.message).toBe('bad topic');
  });

  it('cuts a message that would overflow the trailer to its start and end, saying how much is cut', () => {
    const message = `start ${'y'.repeat(100_000)} end`;
    const error = grpcRequestError(
      grpc.status.PERMISSION_DENIED,
      ErrorCode.GROUP_AUTHORIZATION_FAILED,
      message,
    );
    expect(error.details.length).toBeLessThanOrEqual(MAX_STATUS_MESSAGE_LENGTH);
    expect(error.details).toMatch(/^start y+…\(\d+ characters cut\)…y+ end$/);
    const cut = Number(/\((\d+) characters cut\)/.exec(error.details)?.[1]);
    expect(error.details.length - `…(${cut} characters cut)…`.length + cut).toBe(message.length);
  });

  it('never splits a surrogate pair where it cuts', () => {
    for (const pad of [0, 1]) {
      const message = `${'x'.repeat(pad)}${'😀'.repeat(MAX_STATUS_MESSAGE_LENGTH)}`;
      const bounded = boundedStatusMessage(message);
      expect(bounded.length).toBeLessThanOrEqual(MAX_STATUS_MESSAGE_LENGTH);
      // encodeURIComponent throws on a lone surrogate.
      expect(() => encodeURIComponent(bounded)).not.toThrow();
    }
  });
});
