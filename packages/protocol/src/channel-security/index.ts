// Client-side channel security: TLS credentials and the per-channel SASL login.
export { type ChannelTransport, providerTransport, sslTransport } from './channel-credentials.js';
export { ChannelSecurity, type SecuredChannel } from './channel-security.js';
export {
  SASL_LOGIN_TIMEOUT_MS,
  SaslChannelSession,
  type SaslChannelSessionOptions,
} from './sasl-channel-session.js';
export { type SessionGrant, saslLogin } from './sasl-login.js';
export {
  type ChannelSecurityOptions,
  type PemValue,
  SASL_CLIENT_MECHANISMS,
  type SaslClientMechanism,
  type SaslOptions,
  type SslOptions,
  type TlsCertificateProviders,
} from './security-options.js';
export {
  AUTHORIZATION_METADATA_KEY,
  REAUTHENTICATE_METADATA_KEY,
  sessionInterceptor,
} from './session-interceptor.js';
