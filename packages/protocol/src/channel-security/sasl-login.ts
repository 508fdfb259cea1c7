import * as grpc from '@grpc/grpc-js';
import { ErrorCode } from '../errors.js';
import type { AuthServiceClient } from '../gen/fjord/v1/AuthService.js';
import type { SaslAuthenticateRequest } from '../gen/fjord/v1/SaslAuthenticateRequest.js';
import type { SaslAuthenticateResponse__Output } from '../gen/fjord/v1/SaslAuthenticateResponse.js';
import { grpcRequestError } from '../grpc.js';
import { AuthenticationError } from '../sasl/authentication-error.js';
import { formatPlainMessage } from '../sasl/plain.js';
import { ScramClient } from '../sasl/scram-client.js';
import { scramMechanism } from '../sasl/scram-mechanism.js';
import type { SaslOptions } from './security-options.js';

/** What a successful login gives: the session token and when the server stops accepting it. */
export interface SessionGrant {
  readonly token: string;
  /** Unix ms after which the server refuses the token. */
  readonly expiresAtMs: number;
  /** The principal the server established, e.g. `User:alice`. */
  readonly principal: string;
}

/** The mechanism's name on the wire (`SCRAM-SHA-512`, `PLAIN`). */
export function wireMechanism(sasl: SaslOptions): string {
  return sasl.mechanism.toUpperCase();
}

/**
 * A local failure of the exchange (the server's signature did not verify, a malformed
 * challenge) as the gRPC error a server refusal would be: UNAUTHENTICATED with
 * SASL_AUTHENTICATION_FAILED, so every caller maps both the same way.
 */
function localFailure(error: unknown): grpc.ServiceError {
  const message =
    error instanceof AuthenticationError
      ? error.message
      : 'authentication failed: the login exchange broke off';
  return grpcRequestError(grpc.status.UNAUTHENTICATED, ErrorCode.SASL_AUTHENTICATION_FAILED, message);
}

/**
 * Runs one SASL exchange over AuthService/Authenticate on `channel` (a bidi stream, so the
 * token is bound to that channel's connection): SCRAM's two round trips, or PLAIN's one
 * message. Resolves with the session token; rejects with the server's gRPC error (58, 33, 34
 * in `fjord-error-code`) or an equivalent one for a local failure.
 */
export function saslLogin(
  client: AuthServiceClient,
  sasl: SaslOptions,
  deadline: number,
): Promise<SessionGrant> {
  return new Promise<SessionGrant>((resolve, reject) => {
    let settled = false;
    const call = client.authenticate({ deadline });
    const finish = (outcome: { grant: SessionGrant } | { error: grpc.ServiceError }): void => {
      if (settled) return;
      settled = true;
      if ('grant' in outcome) {
        call.end();
        resolve(outcome.grant);
      } else {
        call.cancel();
        reject(outcome.error);
      }
    };
    let scram: ScramClient | undefined;
    let first: string | Uint8Array;
    try {
      if (sasl.mechanism === 'plain') {
        first = formatPlainMessage({ authorizationId: '', username: sasl.username, password: sasl.password });
      } else {
        scram = new ScramClient(scramMechanism(wireMechanism(sasl)), {
          username: sasl.username,
          password: sasl.password,
        });
        first = scram.firstMessage();
      }
    } catch (error) {
      finish({ error: localFailure(error) });
      return;
    }
    let answers = 0;
    call.on('data', (response: SaslAuthenticateResponse__Output) => {
      answers++;
      try {
        const challenge = response.authBytes.toString('utf8');
        if (response.token !== '') {
          if (scram) scram.verifyServerFinal(challenge);
          finish({
            grant: {
              token: response.token,
              expiresAtMs: Number(response.tokenExpiresAtMs),
              principal: response.principal,
            },
          });
        } else if (scram && answers === 1) {
          call.write({
            authBytes: Buffer.from(scram.finalMessage(challenge), 'utf8'),
          } satisfies SaslAuthenticateRequest);
        } else {
          throw new AuthenticationError(
            'authentication failed: the server sent a challenge out of turn',
            'unexpected-message',
          );
        }
      } catch (error) {
        finish({ error: localFailure(error) });
      }
    });
    call.on('error', (error: grpc.ServiceError) => finish({ error }));
    call.on('status', () =>
      finish({
        error: grpcRequestError(
          grpc.status.UNAUTHENTICATED,
          ErrorCode.SASL_AUTHENTICATION_FAILED,
          'authentication failed: the server ended the login without a session token',
        ),
      }),
    );
    call.write({
      mechanism: wireMechanism(sasl),
      authBytes: typeof first === 'string' ? Buffer.from(first, 'utf8') : Buffer.from(first),
    } satisfies SaslAuthenticateRequest);
  });
}
