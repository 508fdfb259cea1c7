import { AuthenticationError } from './authentication-error.js';

// The four SCRAM messages of RFC 5802 §7, restricted to what Kafka speaks: no channel binding
// (GS2 header "n,,", or "n,a=<authzid>,"), no mandatory extensions.

/** GS2 header of a client that does not support channel binding and names no authzid. */
export const GS2_HEADER_NO_BINDING = 'n,,';

/** Longest SCRAM message accepted, so a peer cannot make us parse megabytes. */
export const MAX_SCRAM_MESSAGE_LENGTH = 4096;

/** client-first-message, split into its parts. */
export interface ClientFirstMessage {
  readonly gs2Header: string;
  /** The authorization identity of the GS2 header, or '' when absent. */
  readonly authorizationId: string;
  /** The username, unescaped. */
  readonly username: string;
  readonly clientNonce: string;
  /** client-first-message-bare: the part that enters the AuthMessage. */
  readonly bare: string;
}

/** server-first-message. */
export interface ServerFirstMessage {
  readonly nonce: string;
  readonly salt: Buffer;
  readonly iterations: number;
  readonly text: string;
}

/** client-final-message. */
export interface ClientFinalMessage {
  readonly channelBinding: string;
  readonly nonce: string;
  readonly proof: Buffer;
  /** client-final-message-without-proof: the part that enters the AuthMessage. */
  readonly withoutProof: string;
}

/** server-final-message: a verifier or an error. */
export type ServerFinalMessage = { readonly verifier: Buffer } | { readonly error: string };

function malformed(what: string): AuthenticationError {
  return new AuthenticationError(`authentication failed: malformed SCRAM ${what}`, 'malformed-message');
}

/**
 * Escapes a username into a SCRAM saslname: `=` as `=3D` and `,` as `=2C` (RFC 5802 §5.1).
 * Kafka applies no other SASLprep step, and neither does Fjord, so both accept the same names.
 */
export function escapeSaslName(username: string): string {
  return username.replaceAll('=', '=3D').replaceAll(',', '=2C');
}

/** The inverse of {@link escapeSaslName}; any other use of `=`, or a raw `,`, is refused. */
export function unescapeSaslName(saslName: string): string {
  if (!/^(?:[^=,]|=2C|=3D)*$/.test(saslName)) throw malformed('username (bad =XX escape or raw comma)');
  return saslName.replaceAll('=2C', ',').replaceAll('=3D', '=');
}

/** A nonce is printable ASCII without a comma (RFC 5802 §7). */
function isValidNonce(nonce: string): boolean {
  return /^[\x21-\x2b\x2d-\x7e]+$/.test(nonce);
}

function checkLength(message: string, what: string): void {
  if (message.length > MAX_SCRAM_MESSAGE_LENGTH)
    throw malformed(`${what} (longer than ${MAX_SCRAM_MESSAGE_LENGTH})`);
}

/** Splits `a=1,b=2` into attributes in order, refusing anything that is not `x=value`. */
function attributes(text: string, what: string): [string, string][] {
  return text.split(',').map((part) => {
    const match = /^([a-zA-Z])=(.*)$/s.exec(part);
    if (!match) throw malformed(what);
    return [match[1] as string, match[2] as string];
  });
}

function decodeBase64(value: string, what: string): Buffer {
  if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(value)) throw malformed(what);
  return Buffer.from(value, 'base64');
}

/** Formats a client-first-message. */
export function formatClientFirst(username: string, clientNonce: string): string {
  if (!isValidNonce(clientNonce)) throw new Error('a SCRAM nonce is printable ASCII without commas');
  return `${GS2_HEADER_NO_BINDING}n=${escapeSaslName(username)},r=${clientNonce}`;
}

/** Parses a client-first-message. */
export function parseClientFirst(message: string): ClientFirstMessage {
  checkLength(message, 'client-first message');
  const match = /^(n|y|p=[^,]*),(a=[^,]*)?,(.*)$/s.exec(message);
  if (!match) throw malformed('client-first message (no GS2 header)');
  const [, binding, authzid, bare] = match as unknown as [string, string, string | undefined, string];
  if (binding.startsWith('p=')) {
    throw new AuthenticationError(
      'authentication failed: SCRAM channel binding is not supported',
      'unsupported-feature',
    );
  }
  const parts = attributes(bare, 'client-first message');
  const [first, second, ...extensions] = parts;
  if (first?.[0] === 'm') {
    throw new AuthenticationError(
      'authentication failed: SCRAM mandatory extensions are not supported',
      'unsupported-feature',
    );
  }
  if (first?.[0] !== 'n' || second?.[0] !== 'r')
    throw malformed('client-first message (expected n=...,r=...)');
  // Optional extensions (Kafka's tokenauth=...) are tolerated but carry no meaning here.
  if (extensions.some(([key]) => key === 'm')) throw malformed('client-first message (misplaced m=)');
  const nonce = second[1];
  if (!isValidNonce(nonce)) throw malformed('client-first message (bad nonce)');
  return {
    gs2Header: `${binding},${authzid ?? ''},`,
    authorizationId: authzid ? unescapeSaslName(authzid.slice(2)) : '',
    username: unescapeSaslName(first[1]),
    clientNonce: nonce,
    bare,
  };
}

/** Formats a server-first-message. */
export function formatServerFirst(nonce: string, salt: Uint8Array, iterations: number): string {
  return `r=${nonce},s=${Buffer.from(salt).toString('base64')},i=${iterations}`;
}

/** Parses a server-first-message (the iteration count is range-checked by the client). */
export function parseServerFirst(message: string): ServerFirstMessage {
  checkLength(message, 'server-first message');
  const parts = attributes(message, 'server-first message');
  const [r, s, i] = parts;
  if (r?.[0] === 'm') {
    throw new AuthenticationError(
      'authentication failed: SCRAM mandatory extensions are not supported',
      'unsupported-feature',
    );
  }
  if (r?.[0] !== 'r' || s?.[0] !== 's' || i?.[0] !== 'i')
    throw malformed('server-first message (expected r,s,i)');
  if (!isValidNonce(r[1])) throw malformed('server-first message (bad nonce)');
  const salt = decodeBase64(s[1], 'server-first message (bad salt)');
  if (salt.length === 0) throw malformed('server-first message (empty salt)');
  if (!/^[1-9][0-9]{0,9}$/.test(i[1])) throw malformed('server-first message (bad iteration count)');
  return { nonce: r[1], salt, iterations: Number(i[1]), text: message };
}

/** client-final-message-without-proof for a GS2 header and the combined nonce. */
export function formatClientFinalWithoutProof(gs2Header: string, nonce: string): string {
  return `c=${Buffer.from(gs2Header, 'utf8').toString('base64')},r=${nonce}`;
}

/** Formats a whole client-final-message. */
export function formatClientFinal(withoutProof: string, proof: Uint8Array): string {
  return `${withoutProof},p=${Buffer.from(proof).toString('base64')}`;
}

/** Parses a client-final-message. */
export function parseClientFinal(message: string): ClientFinalMessage {
  checkLength(message, 'client-final message');
  const proofAt = message.lastIndexOf(',p=');
  if (proofAt < 0) throw malformed('client-final message (no proof)');
  const withoutProof = message.slice(0, proofAt);
  const parts = attributes(withoutProof, 'client-final message');
  const [c, r] = parts;
  if (c?.[0] !== 'c' || r?.[0] !== 'r') throw malformed('client-final message (expected c=...,r=...)');
  const channelBinding = Buffer.from(
    decodeBase64(c[1], 'client-final message (bad channel binding)'),
  ).toString('utf8');
  const proof = decodeBase64(message.slice(proofAt + 3), 'client-final message (bad proof)');
  return { channelBinding, nonce: r[1], proof, withoutProof };
}

/** Formats a successful server-final-message. */
export function formatServerFinal(serverSignature: Uint8Array): string {
  return `v=${Buffer.from(serverSignature).toString('base64')}`;
}

/** Parses a server-final-message. */
export function parseServerFinal(message: string): ServerFinalMessage {
  checkLength(message, 'server-final message');
  const [first] = attributes(message, 'server-final message');
  if (first?.[0] === 'e') return { error: first[1] };
  if (first?.[0] === 'v') return { verifier: decodeBase64(first[1], 'server-final message (bad verifier)') };
  throw malformed('server-final message (expected v= or e=)');
}
