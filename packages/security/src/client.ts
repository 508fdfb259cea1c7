// The client-side pieces, for the SDK's SASL login: no server state, no authorizer, no
// certificate tooling, nothing beyond node:crypto. Import as `@fjord/security/client`.
export { AuthenticationError, type AuthenticationFailureReason } from './sasl/authentication-error.js';
export { formatPlainMessage, type PlainMessage } from './sasl/plain.js';
export { ScramClient, type ScramClientOptions } from './sasl/scram-client.js';
export {
  MAX_SCRAM_ITERATIONS,
  MIN_SCRAM_ITERATIONS,
  SCRAM_MECHANISMS,
  SCRAM_SHA_256,
  SCRAM_SHA_512,
  type ScramMechanism,
  scramMechanism,
} from './sasl/scram-mechanism.js';
