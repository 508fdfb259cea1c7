import { AuthenticationError } from './authentication-error.js';

/** The three fields of a PLAIN message (RFC 4616 §2). */
export interface PlainMessage {
  /** The identity to act as; '' when absent. */
  readonly authorizationId: string;
  readonly username: string;
  readonly password: string;
}

/** RFC 4616 asks servers to accept at least 255 octets per field; longer is refused. */
export const MAX_PLAIN_FIELD_BYTES = 255;

function malformed(what: string): AuthenticationError {
  return new AuthenticationError(
    `authentication failed: malformed PLAIN message (${what})`,
    'malformed-message',
  );
}

/** Encodes `[authzid] NUL authcid NUL passwd` as UTF-8. */
export function formatPlainMessage(message: PlainMessage): Uint8Array {
  for (const [name, value] of Object.entries(message)) {
    if (value.includes('\0')) throw new Error(`PLAIN ${name} must not contain NUL`);
  }
  return new TextEncoder().encode(`${message.authorizationId}\0${message.username}\0${message.password}`);
}

/**
 * Parses a PLAIN message: exactly two NUL separators, valid UTF-8, non-empty username and
 * password of at most {@link MAX_PLAIN_FIELD_BYTES} bytes each, and (Kafka's rule) an
 * authorization id that is empty or the username itself.
 */
export function parsePlainMessage(bytes: Uint8Array): PlainMessage {
  if (bytes.length > 3 * MAX_PLAIN_FIELD_BYTES + 2) throw malformed('too long');
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw malformed('not UTF-8');
  }
  const fields = text.split('\0');
  if (fields.length !== 3) throw malformed(`expected 3 NUL-separated fields, got ${fields.length}`);
  const [authorizationId, username, password] = fields as [string, string, string];
  if (username.length === 0) throw malformed('empty username');
  if (password.length === 0) throw malformed('empty password');
  for (const [name, value] of [
    ['authorization id', authorizationId],
    ['username', username],
    ['password', password],
  ] as const) {
    if (Buffer.byteLength(value, 'utf8') > MAX_PLAIN_FIELD_BYTES) {
      throw malformed(`${name} longer than ${MAX_PLAIN_FIELD_BYTES} bytes`);
    }
  }
  if (authorizationId !== '' && authorizationId !== username) {
    throw new AuthenticationError(
      'authentication failed: a PLAIN authorization id other than the username is not supported',
      'unsupported-feature',
    );
  }
  return { authorizationId, username, password };
}
