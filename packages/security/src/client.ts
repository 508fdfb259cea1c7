// The client-side pieces, for a SASL login: they live in `@fjord/protocol/sasl` (so the SDK
// depends on @fjord/protocol alone) and are re-exported here for existing importers of
// `@fjord/security/client`.
export {
  AuthenticationError,
  type AuthenticationFailureReason,
  formatPlainMessage,
  MAX_SCRAM_ITERATIONS,
  MIN_SCRAM_ITERATIONS,
  type PlainMessage,
  SCRAM_MECHANISMS,
  SCRAM_SHA_256,
  SCRAM_SHA_512,
  ScramClient,
  type ScramClientOptions,
  type ScramMechanism,
  scramMechanism,
} from '@fjord/protocol/sasl';
