import { loadFjordProto } from '@fjord/protocol';
import { Fjord, type FjordOptions } from '@fjord/sdk';
import { SCRAM_SHA_256, SCRAM_SHA_512, ScramClient } from '@fjord/security/client';
import type { Cluster, ScramLogin } from '@fjord/testkit';
import * as grpc from '@grpc/grpc-js';

// Raw gRPC access to a secure cluster, for what the SDK must not be able to do (forged broker
// RPCs, replayed tokens) or hides (the exact status, trailers and messages of a refusal).

/** The trailer of a Fjord error code. */
export const ERROR_CODE_TRAILER = 'fjord-error-code';
/** The trailer that asks a client to log in again. */
export const REAUTHENTICATE_TRAILER = 'fjord-reauthenticate';

/** An SDK client of a secure cluster as `login` (default admin). */
export function secureFjord(
  cluster: Cluster,
  clientId: string,
  login?: ScramLogin,
  extra: object = {},
): Fjord {
  return new Fjord({ ...cluster.clientOptions(login), clientId, ...extra } as FjordOptions);
}

/** What a raw call ended with: an answer, or a gRPC error with its Fjord code and trailers. */
export interface RawOutcome<T = Record<string, unknown>> {
  response?: T;
  error?: grpc.ServiceError;
  /** `fjord-error-code` of the error, when present. */
  errorCode?: number;
  /** True when the error carried `fjord-reauthenticate: 1`. */
  reauthenticate?: boolean;
}

interface MethodDefinition {
  path: string;
  requestSerialize: (value: unknown) => Buffer;
  responseDeserialize: (bytes: Buffer) => unknown;
}

/** A method of a Fjord service (`BrokerService`, `Fetch`), from the loaded protos. */
export function methodOf(service: string, method: string): MethodDefinition {
  const services = loadFjordProto().fjord.v1 as unknown as Record<
    string,
    { service: Record<string, MethodDefinition> }
  >;
  const definition = services[service]?.service;
  if (!definition) throw new Error(`no service ${service} in the protos`);
  const lower = method.charAt(0).toLowerCase() + method.slice(1);
  const found = definition[method] ?? definition[lower];
  if (!found) throw new Error(`no method ${service}/${method}`);
  return found;
}

/**
 * One gRPC connection to one address: every call made through it (login and later calls)
 * travels on the same channel, which is what session tokens are bound to. Each instance has
 * its own subchannel pool, so two of them are two connections.
 */
export class RawConnection {
  readonly address: string;
  readonly #client: grpc.Client;
  #token: string | undefined;

  constructor(address: string, credentials: grpc.ChannelCredentials, options: grpc.ChannelOptions = {}) {
    this.address = address;
    this.#client = new grpc.Client(address, credentials, {
      ...options,
      'grpc.use_local_subchannel_pool': 1,
      'grpc.initial_reconnect_backoff_ms': 100,
      'grpc.max_reconnect_backoff_ms': 500,
    });
  }

  /** The token sent with every call (`authorization: Bearer <token>`), once set or logged in. */
  get token(): string | undefined {
    return this.#token;
  }

  set token(token: string | undefined) {
    this.#token = token;
  }

  /** The connection's grpc-js client, for calls with raw bodies (send {@link metadata} with them). */
  get client(): grpc.Client {
    return this.#client;
  }

  /** Call metadata carrying the token, when there is one. */
  metadata(): grpc.Metadata {
    const metadata = new grpc.Metadata();
    if (this.#token !== undefined) metadata.set('authorization', `Bearer ${this.#token}`);
    return metadata;
  }

  /** A unary call; never rejects: the outcome carries the error. */
  call<T = Record<string, unknown>>(
    service: string,
    method: string,
    request: object,
    timeoutMs = 10_000,
  ): Promise<RawOutcome<T>> {
    const definition = methodOf(service, method);
    const metadata = this.metadata();
    return new Promise((resolve) => {
      this.#client.makeUnaryRequest(
        definition.path,
        definition.requestSerialize,
        definition.responseDeserialize as (bytes: Buffer) => T,
        request,
        metadata,
        { deadline: Date.now() + timeoutMs },
        (error, response) => resolve(error ? outcomeOf<T>(error) : { response: response as T }),
      );
    });
  }

  /**
   * A SCRAM login through AuthService/Authenticate on this connection; on success the token is
   * kept for later calls. Never rejects: a refusal is the outcome's error.
   */
  async login(
    login: ScramLogin,
    timeoutMs = 10_000,
  ): Promise<RawOutcome<{ token: string; tokenExpiresAtMs: string; principal: string }>> {
    const definition = methodOf('AuthService', 'Authenticate');
    const mechanism = login.mechanism === 'scram-sha-256' ? SCRAM_SHA_256 : SCRAM_SHA_512;
    const scram = new ScramClient(mechanism, { username: login.username, password: login.password });
    const stream = this.#client.makeBidiStreamRequest(
      definition.path,
      definition.requestSerialize,
      definition.responseDeserialize as (bytes: Buffer) => {
        authBytes: Buffer;
        token: string;
        tokenExpiresAtMs: string;
        principal: string;
      },
      new grpc.Metadata(),
      { deadline: Date.now() + timeoutMs },
    );
    return new Promise((resolve) => {
      let step = 0;
      /** A check of the client's own that failed (the server's status, if it sends one, wins). */
      let localError: Error | undefined;
      let last: { token: string; tokenExpiresAtMs: string; principal: string } | undefined;
      stream.on(
        'data',
        (answer: { authBytes: Buffer; token: string; tokenExpiresAtMs: string; principal: string }) => {
          try {
            if (step === 0) {
              stream.write({ authBytes: Buffer.from(scram.finalMessage(answer.authBytes.toString('utf8'))) });
            } else {
              scram.verifyServerFinal(answer.authBytes.toString('utf8'));
              last = answer;
            }
            step++;
          } catch (error) {
            localError = error as Error;
            stream.end();
          }
        },
      );
      stream.on('error', (error: grpc.ServiceError) => resolve(outcomeOf(error)));
      stream.on('end', () => {
        if (localError) resolve({ error: localError as grpc.ServiceError });
        else if (last?.token) {
          this.#token = last.token;
          resolve({ response: last });
        } else resolve({ error: new Error('the login stream ended without a token') as grpc.ServiceError });
      });
      stream.write({ mechanism: mechanism.name, authBytes: Buffer.from(scram.firstMessage()) });
    });
  }

  close(): void {
    this.#client.close();
  }
}

function outcomeOf<T>(error: grpc.ServiceError): RawOutcome<T> {
  const code = error.metadata?.get(ERROR_CODE_TRAILER)[0];
  const reauthenticate = error.metadata?.get(REAUTHENTICATE_TRAILER)[0];
  return {
    error,
    ...(code === undefined ? {} : { errorCode: Number(code) }),
    reauthenticate: reauthenticate !== undefined && String(reauthenticate) === '1',
  };
}

/** TLS credentials trusting the cluster's CA, with a client certificate when given. */
export function tlsCredentials(caPem: string, client?: { certificate: string; privateKey: string }) {
  return grpc.credentials.createSsl(
    Buffer.from(caPem),
    client ? Buffer.from(client.privateKey) : null,
    client ? Buffer.from(client.certificate) : null,
  );
}

/** Plaintext credentials, for refused-connection tests. */
export const plaintext = (): grpc.ChannelCredentials => grpc.credentials.createInsecure();

/** A logged-in raw connection to `address`'s CLIENT listener as `login`; throws when the login fails. */
export async function loggedIn(
  cluster: Cluster,
  address: string,
  login: ScramLogin,
  options: grpc.ChannelOptions = {},
): Promise<RawConnection> {
  const connection = new RawConnection(address, tlsCredentials(cluster.secured.caPem), options);
  const outcome = await connection.login(login);
  if (outcome.error) {
    connection.close();
    throw new Error(`login of ${login.username} at ${address} failed: ${outcome.error.message}`);
  }
  return connection;
}

/** Every message an outcome carries (the error's, and every `errorMessage` inside the answer). */
export function messagesOf(outcome: RawOutcome<unknown>): string[] {
  const found: string[] = [];
  if (outcome.error) found.push(outcome.error.message, outcome.error.details ?? '');
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === 'object') {
      for (const [key, inner] of Object.entries(value)) {
        if (key === 'errorMessage' && typeof inner === 'string') found.push(inner);
        else walk(inner);
      }
    }
  };
  walk(outcome.response);
  return found.filter((m) => m !== '');
}

/** Resolves with the value, or with `'pending'` if it has not settled after `ms`. */
export async function settledWithin<T>(promise: Promise<T>, ms: number): Promise<T | 'pending'> {
  let timer: NodeJS.Timeout | undefined;
  const pending = new Promise<'pending'>((resolve) => {
    timer = setTimeout(() => resolve('pending'), ms);
  });
  try {
    return await Promise.race([promise, pending]);
  } finally {
    clearTimeout(timer);
  }
}
