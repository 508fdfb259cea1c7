/** Why a session token was refused. */
export type TokenRefusal =
  | 'malformed'
  | 'unknown-key'
  | 'bad-signature'
  | 'expired'
  | 'not-yet-valid'
  | 'wrong-connection';

/**
 * A refused session token. Kafka would answer SASL_AUTHENTICATION_FAILED and the client logs in
 * again. The message names the refusal but never echoes the token or any part of it.
 */
export class TokenError extends Error {
  override readonly name = 'TokenError';

  constructor(readonly refusal: TokenRefusal) {
    super(`session token refused: ${describe(refusal)}`);
  }
}

function describe(refusal: TokenRefusal): string {
  switch (refusal) {
    case 'malformed':
      return 'not a Fjord session token';
    case 'unknown-key':
      return 'signed with a key this node no longer accepts';
    case 'bad-signature':
      return 'signature does not match (tampered or forged)';
    case 'expired':
      return 'expired; authenticate again';
    case 'not-yet-valid':
      return 'issued in the future (clock skew?)';
    case 'wrong-connection':
      return 'issued to another connection';
  }
}
