// @fjord/security: the self-contained security building blocks the server kit wires in.
// Client-side SCRAM/PLAIN pieces are also exported alone from `@fjord/security/client`.

export {
  DEFAULT_SCRAM_ITERATIONS,
  deriveScramKeys,
  escapeSaslName,
  MAX_PLAIN_FIELD_BYTES,
  parsePlainMessage,
  type ScramKeys,
  unescapeSaslName,
} from '@fjord/protocol/sasl';
export * from './acl/acl-filter.js';
export * from './acl/acl-model.js';
export * from './acl/acl-validation.js';
export * from './acl/client-host.js';
export * from './acl/implied-operations.js';
export * from './acl/rpc-authorization.js';
export * from './acl/rpc-authorizer.js';
export * from './acl/standard-authorizer.js';
export * from './authentication/sasl-session.js';
export * from './client.js';
export * from './dev-certificates/development-certificates.js';
export * from './dev-certificates/write-development-certificates.js';
export * from './principal/certificate-identity.js';
export * from './principal/certificate-principal.js';
export * from './principal/kafka-principal.js';
export * from './principal/ssl-principal-mapping.js';
export { verifyPlainWithScramCredential } from './sasl/plain-verification.js';
export * from './sasl/scram-credential.js';
export * from './sasl/scram-credential-store.js';
export { type ScramCredentialLookup, ScramServer, type ScramServerOptions } from './sasl/scram-server.js';
export * from './tokens/clock.js';
export * from './tokens/session-tokens.js';
export * from './tokens/token-error.js';
export * from './tokens/token-keys.js';
