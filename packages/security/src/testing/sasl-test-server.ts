// A SASL listener for tests of the client side (ChannelSecurity): a grpc-js server whose
// AuthService/Authenticate runs SaslSession and whose CoordinatorService/DescribeCluster
// checks the session token as the contract says (UNAUTHENTICATED, 58, `fjord-reauthenticate`),
// answering with the caller's principal in `cluster_id`. Not built into the package.
import {
  AUTHORIZATION_METADATA_KEY,
  ERROR_CODE_METADATA_KEY,
  ErrorCode,
  loadFjordProto,
  REAUTHENTICATE_METADATA_KEY,
  type v1,
} from '@fjord/protocol';
import { SCRAM_SHA_256, SCRAM_SHA_512 } from '@fjord/protocol/sasl';
import * as grpc from '@grpc/grpc-js';
import {
  type SaslMechanismName,
  SaslSession,
  UnsupportedSaslMechanismError,
} from '../authentication/sasl-session.js';
import { createScramCredential } from '../sasl/scram-credential.js';
import { ScramCredentialStore } from '../sasl/scram-credential-store.js';
import { ManualClock } from '../tokens/clock.js';
import { SessionTokens } from '../tokens/session-tokens.js';

/** Options of {@link startSaslTestServer}. */
export interface SaslTestServerOptions {
  users?: Record<string, string>;
  mechanisms?: readonly SaslMechanismName[];
  lifetimeMs?: number;
  credentials?: grpc.ServerCredentials;
  /** Authenticate never answers (to test deadlines and cancellation). */
  stallLogins?: boolean;
}

/** A running test listener. */
export interface SaslTestServer {
  readonly address: string;
  readonly clock: ManualClock;
  /** Logins started, finished with a token, and calls refused for their token. */
  readonly counts: { logins: number; grants: number; refusedCalls: number; answeredCalls: number };
  /** Tokens sent with answered calls, in order. */
  readonly tokensSeen: string[];
  /** Makes every token issued so far invalid, as a restarted server would (new signing key). */
  forgetTokens(): void;
  /** Refuse every call with `fjord-reauthenticate`, valid token or not. */
  refuseEveryCall: boolean;
  close(): Promise<void>;
}

function refusal(
  status: grpc.status,
  code: number,
  message: string,
  reauthenticate = false,
): grpc.ServiceError {
  const metadata = new grpc.Metadata();
  metadata.set(ERROR_CODE_METADATA_KEY, String(code));
  if (reauthenticate) metadata.set(REAUTHENTICATE_METADATA_KEY, '1');
  return Object.assign(new Error(message), { code: status, details: message, metadata }) as grpc.ServiceError;
}

let keyGeneration = 0;

/** Starts the test listener on 127.0.0.1 (an ephemeral port). */
export async function startSaslTestServer(options: SaslTestServerOptions = {}): Promise<SaslTestServer> {
  const clock = new ManualClock(Date.now());
  const store = new ScramCredentialStore();
  for (const [user, password] of Object.entries(options.users ?? { alice: 'alice-secret' })) {
    store.set(user, createScramCredential(SCRAM_SHA_256, password));
    store.set(user, createScramCredential(SCRAM_SHA_512, password));
  }
  const newTokens = () =>
    new SessionTokens({
      key: { id: `k${++keyGeneration}`, secret: Buffer.alloc(32, keyGeneration % 256) },
      clock,
      lifetimeMs: options.lifetimeMs ?? 60_000,
    });
  let tokens = newTokens();
  const counts = { logins: 0, grants: 0, refusedCalls: 0, answeredCalls: 0 };
  const tokensSeen: string[] = [];
  const proto = loadFjordProto().fjord.v1;
  const server = new grpc.Server();

  const authenticate = (
    call: grpc.ServerDuplexStream<v1.SaslAuthenticateRequest__Output, v1.SaslAuthenticateResponse>,
  ): void => {
    counts.logins++;
    if (options.stallLogins) return;
    let session: SaslSession | undefined;
    call.on('data', (request: v1.SaslAuthenticateRequest__Output) => {
      try {
        session ??= new SaslSession(request.mechanism, {
          lookup: store.lookup,
          unknownUserSecret: Buffer.alloc(32, 9),
          tokens,
          connectionId: call.getPeer(),
          ...(options.mechanisms ? { enabledMechanisms: options.mechanisms } : {}),
        });
        const step = session.step(request.authBytes);
        if (!step.done) {
          call.write({ authBytes: Buffer.from(step.challenge) });
          return;
        }
        counts.grants++;
        call.write({
          authBytes: Buffer.from(step.challenge),
          token: step.token,
          tokenExpiresAtMs: String(step.expiresAt),
          principal: `User:${step.principal.name}`,
        });
        call.end();
      } catch (error) {
        const code =
          error instanceof UnsupportedSaslMechanismError
            ? ErrorCode.UNSUPPORTED_SASL_MECHANISM
            : ErrorCode.SASL_AUTHENTICATION_FAILED;
        const message = error instanceof Error ? error.message : String(error);
        call.emit('error', refusal(grpc.status.UNAUTHENTICATED, code, message));
      }
    });
  };

  const state = {
    refuseEveryCall: false,
  };
  const describeCluster: grpc.handleUnaryCall<
    v1.DescribeClusterRequest__Output,
    v1.DescribeClusterResponse
  > = (call, callback) => {
    const header = String(call.metadata.get(AUTHORIZATION_METADATA_KEY)[0] ?? '');
    const token = header.startsWith('Bearer ') ? header.slice('Bearer '.length) : '';
    try {
      if (state.refuseEveryCall) throw new Error('refused by the test');
      const claims = tokens.verify(token, call.getPeer());
      counts.answeredCalls++;
      tokensSeen.push(token);
      callback(null, { clusterId: claims.principal });
    } catch (error) {
      counts.refusedCalls++;
      const message = error instanceof Error ? error.message : String(error);
      callback(refusal(grpc.status.UNAUTHENTICATED, ErrorCode.SASL_AUTHENTICATION_FAILED, message, true));
    }
  };

  server.addService(proto.AuthService.service, { authenticate });
  server.addService(proto.CoordinatorService.service, { describeCluster });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(
      '127.0.0.1:0',
      options.credentials ?? grpc.ServerCredentials.createInsecure(),
      (error, bound) => (error ? reject(error) : resolve(bound)),
    ),
  );
  return {
    address: `127.0.0.1:${port}`,
    clock,
    counts,
    tokensSeen,
    forgetTokens: () => {
      tokens = newTokens();
    },
    get refuseEveryCall() {
      return state.refuseEveryCall;
    },
    set refuseEveryCall(value: boolean) {
      state.refuseEveryCall = value;
    },
    close: () =>
      new Promise<void>((resolve) => {
        // A stalled login holds tryShutdown open; it is not worth waiting for.
        const force = setTimeout(() => server.forceShutdown(), 1_000);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      }),
  };
}
