/**
 * Why an authentication failed, for the server's own log or audit trail only: never sent to the
 * peer, because telling "unknown user" from "wrong password" would reveal which users exist.
 */
export type AuthenticationFailureReason =
  | 'malformed-message'
  | 'unexpected-message'
  | 'unsupported-feature'
  | 'unknown-user'
  | 'invalid-proof'
  | 'nonce-mismatch'
  | 'channel-binding-mismatch'
  | 'iteration-count-out-of-range'
  | 'invalid-server-signature'
  | 'server-error';

/**
 * A failed SASL authentication. Kafka answers every such failure with SASL_AUTHENTICATION_FAILED,
 * which a client must not retry with the same credentials. The message is safe to show to the
 * peer: it never contains a password, a proof, a nonce, a salt or a token; the `reason` is for the
 * server's log only.
 */
export class AuthenticationError extends Error {
  override readonly name = 'AuthenticationError';
  /** Retrying with the same credentials cannot succeed. */
  readonly retriable = false;

  constructor(
    message: string,
    readonly reason: AuthenticationFailureReason,
  ) {
    super(message);
  }
}
