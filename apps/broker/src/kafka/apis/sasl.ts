import { ApiKey } from '@fjord/kafka-protocol';
import type { KafkaApi } from '../api.js';

/**
 * SaslHandshake v0–1: the client names its mechanism; the answer lists the enabled ones. v0
 * is followed by raw SASL tokens, v1 by SaslAuthenticate requests. An unsupported mechanism
 * gets UNSUPPORTED_SASL_MECHANISM and the connection closes; on a listener without SASL the
 * answer is ILLEGAL_SASL_STATE, as Kafka's.
 */
export function saslHandshakeApi(): KafkaApi {
  return {
    apiKey: ApiKey.SaslHandshake,
    minVersion: 0,
    maxVersion: 1,
    notes:
      'SASL_PLAINTEXT and SASL_SSL listeners: SCRAM-SHA-256, SCRAM-SHA-512 and (when enabled) PLAIN. v0 is followed by raw SASL tokens, v1 by SaslAuthenticate. Elsewhere ILLEGAL_SASL_STATE.',
    async handle(request, { header, authentication, closeAfterResponse }) {
      const outcome = authentication.handshake(request.mechanism as string, header.apiVersion);
      if (outcome.close) closeAfterResponse(`SASL handshake refused (error ${outcome.errorCode})`);
      return { errorCode: outcome.errorCode, mechanisms: [...outcome.mechanisms] };
    },
  };
}

/**
 * SaslAuthenticate v0–2: one SASL token each way. A failed login is answered
 * SASL_AUTHENTICATION_FAILED with Kafka's message (naming the mechanism, never whether the
 * user exists) and the connection closes. v1+ answers the session lifetime (KIP-368): the
 * client re-authenticates on the open connection before it runs out, or is disconnected at
 * its next request after it.
 */
export function saslAuthenticateApi(): KafkaApi {
  return {
    apiKey: ApiKey.SaslAuthenticate,
    minVersion: 0,
    maxVersion: 2,
    notes:
      'Failed logins: SASL_AUTHENTICATION_FAILED with Kafka’s message, then the connection closes. v1+ carries session_lifetime_ms (--session-token-lifetime-ms); re-authentication (KIP-368) keeps mechanism and principal.',
    async handle(request, { header, authentication, closeAfterResponse }) {
      const outcome = authentication.authenticate(request.authBytes as Buffer, header.apiVersion);
      if (outcome.close) closeAfterResponse(outcome.errorMessage ?? 'SASL authentication failed');
      return {
        errorCode: outcome.errorCode,
        errorMessage: outcome.errorMessage,
        authBytes: outcome.authBytes,
        sessionLifetimeMs: outcome.sessionLifetimeMs,
      };
    },
  };
}
