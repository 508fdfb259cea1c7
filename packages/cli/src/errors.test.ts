import { ConnectionError, protocolError, RetriesExceededError } from '@fjord/sdk/internal';
import { CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { connectionReason, errorLine, exitCodeFor } from './errors.js';
import { UsageError } from './usage-error.js';

describe('errorLine', () => {
  const grpcRefused = Object.assign(new Error('14 UNAVAILABLE: No connection established'), {
    details: 'No connection established. Last error: Error: connect ECONNREFUSED 127.0.0.1:7400',
  });

  it('tells how to start the cluster when the coordinator is unreachable', () => {
    const error = new ConnectionError('cannot reach 127.0.0.1:7400', '127.0.0.1:7400', {
      cause: grpcRefused,
    });
    expect(errorLine(error, { bootstrap: '127.0.0.1:7400' })).toBe(
      'cannot reach coordinator at 127.0.0.1:7400 (connection refused) — is the cluster running? ' +
        'start it with: npm start',
    );
  });

  it('says why a TLS handshake failed instead of asking whether the cluster runs', () => {
    const message =
      "TLS handshake with 127.0.0.1:7400 failed: tlsv13 alert certificate required (check ssl: the CA that signed the server's certificate)";
    const error = new ConnectionError(message, '127.0.0.1:7400', { cause: grpcRefused });
    expect(errorLine(error, { bootstrap: '127.0.0.1:7400' })).toBe(message);
  });

  it('names a broker that is unreachable, also behind a retry wrapper', () => {
    const error = new RetriesExceededError('gave up', {
      cause: new ConnectionError('cannot reach 127.0.0.1:7402', '127.0.0.1:7402', { cause: grpcRefused }),
    });
    expect(errorLine(error, { bootstrap: '127.0.0.1:7400' })).toBe(
      'cannot reach broker at 127.0.0.1:7402 (connection refused) — is it running?',
    );
  });

  it('puts the topic and the error code first, once', () => {
    const error = protocolError(3, 'topic "x" does not exist', { topic: 'x' });
    expect(errorLine(error)).toBe('topic "x": UNKNOWN_TOPIC_OR_PARTITION — topic "x" does not exist');
    const bare = protocolError(3, undefined, { topic: 'x', partition: 2 });
    expect(errorLine(bare)).toBe(
      'topic "x" partition 2: UNKNOWN_TOPIC_OR_PARTITION — This server does not host this topic-partition.',
    );
    // The server's own text, whatever the SDK added to the message (here also the address).
    const answered = protocolError(36, 'exists (since 12:00)', { topic: 'x', address: '127.0.0.1:7400' });
    expect(answered.message).toBe('exists (since 12:00) (topic "x", 127.0.0.1:7400)');
    expect(errorLine(answered)).toBe('topic "x": TOPIC_ALREADY_EXISTS — exists (since 12:00)');
  });

  it('keeps usage errors and plain errors as they are, on one line', () => {
    expect(errorLine(new UsageError('bad flag'))).toBe('bad flag');
    expect(errorLine(new Error('first\nsecond'))).toBe('first');
  });
});

describe('exitCodeFor', () => {
  it('is 2 for usage errors, 0 for help, 1 otherwise', () => {
    expect(exitCodeFor(new UsageError('x'))).toBe(2);
    expect(exitCodeFor(new CommanderError(1, 'commander.unknownOption', 'x'))).toBe(2);
    expect(exitCodeFor(new CommanderError(0, 'commander.helpDisplayed', 'x'))).toBe(0);
    expect(exitCodeFor(new Error('x'))).toBe(1);
  });
});

describe('connectionReason', () => {
  it('turns libuv codes into words', () => {
    expect(connectionReason('connect ECONNREFUSED')).toBe('connection refused');
    expect(connectionReason('getaddrinfo ENOTFOUND nohost')).toBe('host not found');
    expect(connectionReason('something else')).toBe('unavailable');
  });
});
