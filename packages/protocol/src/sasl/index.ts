// `@fjord/protocol/sasl`: the SASL wire formats (SCRAM per RFC 5802/7677, PLAIN per RFC 4616)
// and the client side of a SCRAM exchange. The server side (credential store, ScramServer,
// SaslSession) is in @fjord/security, which builds on these; the SDK needs only this part,
// and depends on @fjord/protocol alone.
export { AuthenticationError, type AuthenticationFailureReason } from './authentication-error.js';
export { formatPlainMessage, MAX_PLAIN_FIELD_BYTES, type PlainMessage, parsePlainMessage } from './plain.js';
export { ScramClient, type ScramClientOptions } from './scram-client.js';
export { constantTimeEqual, hash, hi, hmac, xor } from './scram-crypto.js';
export { deriveScramKeys, type ScramKeys } from './scram-keys.js';
export {
  DEFAULT_SCRAM_ITERATIONS,
  MAX_SCRAM_ITERATIONS,
  MIN_SCRAM_ITERATIONS,
  SCRAM_MECHANISMS,
  SCRAM_SHA_256,
  SCRAM_SHA_512,
  type ScramMechanism,
  scramMechanism,
} from './scram-mechanism.js';
export {
  type ClientFinalMessage,
  type ClientFirstMessage,
  escapeSaslName,
  formatClientFinal,
  formatClientFinalWithoutProof,
  formatClientFirst,
  formatServerFinal,
  formatServerFirst,
  GS2_HEADER_NO_BINDING,
  MAX_SCRAM_MESSAGE_LENGTH,
  parseClientFinal,
  parseClientFirst,
  parseServerFinal,
  parseServerFirst,
  type ServerFinalMessage,
  type ServerFirstMessage,
  unescapeSaslName,
} from './scram-messages.js';
export { randomScramNonce } from './scram-nonce.js';
