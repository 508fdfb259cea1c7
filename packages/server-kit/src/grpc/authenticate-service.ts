import { randomBytes } from 'node:crypto';
import { ErrorCode, grpcRequestError, loadFjordProto, type v1 } from '@fjord/protocol';
import {
  AuthenticationError,
  SaslSession,
  type SaslStep,
  UnsupportedSaslMechanismError,
} from '@fjord/security';
import * as grpc from '@grpc/grpc-js';
import { usesSasl } from '../listeners/listener-address.js';
import type { GrpcServerSecurity } from '../security/server-security.js';
import { securityContextOf } from './call-security.js';
import type { GrpcServiceBinding } from './grpc-server.js';
import { RefusedRequest } from './request-guard.js';

/** Largest SaslAuthenticateRequest accepted: SCRAM and PLAIN messages are a few hundred bytes. */
export const MAX_SASL_MESSAGE_BYTES = 8 * 1024;

/** A login must finish within this long after its stream opened (unless the security option says otherwise). */
export const SASL_EXCHANGE_TIMEOUT_MS = 5_000;

type AuthenticateStream = grpc.ServerDuplexStream<
  v1.SaslAuthenticateRequest__Output,
  v1.SaslAuthenticateResponse
>;

function authServiceDefinition(): grpc.ServiceDefinition {
  const proto = loadFjordProto() as unknown as {
    fjord: { v1: { AuthService: { service: grpc.ServiceDefinition } } };
  };
  return proto.fjord.v1.AuthService.service;
}

/**
 * AuthService/Authenticate: one SASL exchange per stream (SCRAM-SHA-256/512, or PLAIN when
 * enabled), with `SaslSession` over the node's SCRAM credentials, ending with a session token
 * bound to the stream's connection. Bounded: messages of at most MAX_SASL_MESSAGE_BYTES, one
 * exchange per stream, finished within `saslExchangeTimeoutMs`. Refusals end the stream UNAUTHENTICATED
 * with 58 (credentials), 33 (mechanism not enabled) or 34 (out of turn, unfinished, or a
 * listener that is not SASL_*), as auth.proto says.
 */
export function authenticateService(security: GrpcServerSecurity): GrpcServiceBinding {
  const unknownUserSecret = security.unknownUserSecret ?? randomBytes(32);
  const timeoutMs = security.saslExchangeTimeoutMs ?? SASL_EXCHANGE_TIMEOUT_MS;
  const handler = (stream: AuthenticateStream) => {
    const context = securityContextOf(stream);
    let session: SaslSession | undefined;
    let over = false;
    const finish = (error?: grpc.ServiceError) => {
      if (over) return;
      over = true;
      clearTimeout(timer);
      if (error) stream.emit('error', error);
      else stream.end();
    };
    const refuse = (fjordCode: number, message: string) =>
      finish(grpcRequestError(grpc.status.UNAUTHENTICATED, fjordCode, message));
    const timer = setTimeout(
      () => refuse(ErrorCode.ILLEGAL_SASL_STATE, `SASL exchange not finished within ${timeoutMs} ms`),
      timeoutMs,
    );
    timer.unref();
    stream.on('cancelled', () => {
      over = true;
      clearTimeout(timer);
    });
    if (!context || !usesSasl(context.protocol)) {
      refuse(
        ErrorCode.ILLEGAL_SASL_STATE,
        `listener ${context?.listener ?? '?'} (${context?.protocol ?? 'PLAINTEXT'}) does not take SASL logins`,
      );
      return;
    }
    const { connectionId } = context;
    stream.on('data', (request: v1.SaslAuthenticateRequest__Output | RefusedRequest) => {
      if (over) return;
      if (request instanceof RefusedRequest) {
        // Too large or not a message: a broken login, which the same client cannot fix by retrying.
        refuse(ErrorCode.SASL_AUTHENTICATION_FAILED, `authentication failed: ${request.message}`);
        return;
      }
      let step: SaslStep;
      try {
        session ??= new SaslSession(request.mechanism, {
          lookup: security.state.scramCredential,
          unknownUserSecret,
          tokens: security.tokens,
          connectionId,
          enabledMechanisms: security.saslMechanisms,
        });
        step = session.step(request.authBytes);
      } catch (error) {
        if (error instanceof UnsupportedSaslMechanismError)
          refuse(ErrorCode.UNSUPPORTED_SASL_MECHANISM, error.message);
        else if (error instanceof AuthenticationError)
          refuse(ErrorCode.SASL_AUTHENTICATION_FAILED, error.message);
        else refuse(ErrorCode.SASL_AUTHENTICATION_FAILED, 'authentication failed: malformed SASL message');
        return;
      }
      if (!step.done) {
        stream.write({ authBytes: Buffer.from(step.challenge) });
        return;
      }
      stream.write({
        authBytes: Buffer.from(step.challenge),
        token: step.token,
        tokenExpiresAtMs: String(step.expiresAt),
        principal: `${step.principal.principalType}:${step.principal.name}`,
      });
      finish();
    });
    stream.on('end', () =>
      refuse(ErrorCode.ILLEGAL_SASL_STATE, 'the client ended the SASL exchange before it finished'),
    );
    stream.on('error', () => {
      over = true;
      clearTimeout(timer);
    });
  };
  return {
    definition: authServiceDefinition(),
    handlers: { Authenticate: handler },
    maxRequestBytes: { Authenticate: MAX_SASL_MESSAGE_BYTES },
  };
}
