import { randomBytes } from 'node:crypto';
import {
  AuthenticationError,
  type AuthenticationFailureReason,
  constantTimeEqual,
  DEFAULT_SCRAM_ITERATIONS,
  formatServerFinal,
  formatServerFirst,
  hash,
  hmac,
  MIN_SCRAM_ITERATIONS,
  parseClientFinal,
  parseClientFirst,
  randomScramNonce,
  type ScramMechanism,
  xor,
} from '@fjord/protocol/sasl';
import { SCRAM_SALT_LENGTH, type ScramCredential } from './scram-credential.js';

/** Finds the stored credential of a user for a mechanism, or undefined for an unknown user. */
export type ScramCredentialLookup = (
  username: string,
  mechanism: ScramMechanism,
) => ScramCredential | undefined;

/** Options of a {@link ScramServer}. */
export interface ScramServerOptions {
  readonly lookup: ScramCredentialLookup;
  /**
   * A secret of this node from which fake salts for unknown users are derived, so that the same
   * unknown name always gets the same salt and looks like a real user. At least 32 bytes.
   */
  readonly unknownUserSecret: Uint8Array;
  /** The server's nonce part; random unless a test pins it to reproduce a published vector. */
  readonly serverNonce?: string;
}

/** The one message every failed login gets, whatever the cause, so none reveals more than another. */
const INVALID_CREDENTIALS = 'authentication failed: invalid credentials';

type ServerState =
  | { readonly step: 'initial' }
  | {
      readonly step: 'sent-server-first';
      readonly username: string;
      readonly credential: ScramCredential;
      readonly known: boolean;
      readonly gs2Header: string;
      readonly nonce: string;
      readonly clientNonce: string;
      readonly clientFirstBare: string;
      readonly serverFirst: string;
    }
  | { readonly step: 'done'; readonly username: string }
  | { readonly step: 'failed' };

/**
 * The server side of one SCRAM exchange: `handleClientFirst(message)` answers the
 * server-first-message, `handleClientFinal(message)` verifies the proof (timing-safe) and answers
 * the server-final-message. Afterwards `username` is the authenticated user.
 *
 * An unknown user gets a server-first-message with a stable fake salt and fails at the proof with
 * the same error as a wrong password. Kafka also answers both with the same error
 * (SASL_AUTHENTICATION_FAILED) but does so already at the first message; failing at the same step
 * for both hides, in addition, which names exist from a client that watches where it fails.
 */
export class ScramServer {
  private state: ServerState = { step: 'initial' };

  constructor(
    readonly mechanism: ScramMechanism,
    private readonly options: ScramServerOptions,
  ) {
    if (options.unknownUserSecret.length < 32) throw new Error('unknownUserSecret must be at least 32 bytes');
  }

  /** The authenticated username, once `handleClientFinal` succeeded. */
  get username(): string | undefined {
    return this.state.step === 'done' ? this.state.username : undefined;
  }

  /** Answers a client-first-message with the server-first-message. */
  handleClientFirst(message: string): string {
    this.expect('initial');
    return this.guard(() => {
      const first = parseClientFirst(message);
      if (first.authorizationId !== '' && first.authorizationId !== first.username) {
        // Kafka's rule: no acting on behalf of another principal.
        throw this.fail('unsupported-feature');
      }
      const stored = this.options.lookup(first.username, this.mechanism);
      // A credential stored with too few iterations is refused, as Kafka does, rather than served.
      if (stored && stored.iterations < MIN_SCRAM_ITERATIONS) throw this.fail('iteration-count-out-of-range');
      const credential = stored ?? this.fakeCredential(first.username);
      const nonce = first.clientNonce + (this.options.serverNonce ?? randomScramNonce());
      const serverFirst = formatServerFirst(nonce, credential.salt, credential.iterations);
      this.state = {
        step: 'sent-server-first',
        username: first.username,
        credential,
        known: stored !== undefined,
        gs2Header: first.gs2Header,
        nonce,
        clientNonce: first.clientNonce,
        clientFirstBare: first.bare,
        serverFirst,
      };
      return serverFirst;
    });
  }

  /** Verifies a client-final-message and answers the server-final-message; throws on any mismatch. */
  handleClientFinal(message: string): string {
    const state = this.expect('sent-server-first');
    return this.guard(() => {
      const final = parseClientFinal(message);
      if (final.channelBinding !== state.gs2Header) throw this.fail('channel-binding-mismatch');
      if (!acceptsFinalNonce(final.nonce, state.nonce, state.clientNonce)) throw this.fail('nonce-mismatch');
      const { credential } = state;
      const authMessage = `${state.clientFirstBare},${state.serverFirst},${final.withoutProof}`;
      const clientSignature = hmac(this.mechanism, credential.storedKey, authMessage);
      // Length is checked before XOR so a short proof fails like a wrong one.
      const proofFits = final.proof.length === clientSignature.length;
      const clientKey = proofFits ? xor(final.proof, clientSignature) : clientSignature;
      const matches = constantTimeEqual(hash(this.mechanism, clientKey), credential.storedKey);
      if (!proofFits || !matches || !state.known)
        throw this.fail(state.known ? 'invalid-proof' : 'unknown-user');
      this.state = { step: 'done', username: state.username };
      return formatServerFinal(hmac(this.mechanism, credential.serverKey, authMessage));
    });
  }

  private fakeCredential(username: string): ScramCredential {
    const salt = hmac(
      this.mechanism,
      this.options.unknownUserSecret,
      `fake-salt:${this.mechanism.name}:${username}`,
    );
    return {
      mechanism: this.mechanism,
      salt: salt.subarray(0, SCRAM_SALT_LENGTH),
      iterations: DEFAULT_SCRAM_ITERATIONS,
      // Random keys: no proof can match them, and the state's `known: false` refuses it anyway.
      storedKey: randomBytes(this.mechanism.keyLength),
      serverKey: randomBytes(this.mechanism.keyLength),
    };
  }

  private fail(reason: AuthenticationFailureReason): AuthenticationError {
    return new AuthenticationError(`${INVALID_CREDENTIALS} (${this.mechanism.name})`, reason);
  }

  private expect<S extends ServerState['step']>(step: S): Extract<ServerState, { step: S }> {
    if (this.state.step !== step) {
      this.state = { step: 'failed' };
      throw new AuthenticationError(`${INVALID_CREDENTIALS} (${this.mechanism.name})`, 'unexpected-message');
    }
    return this.state as Extract<ServerState, { step: S }>;
  }

  private guard<T>(step: () => T): T {
    try {
      return step();
    } catch (error) {
      this.state = { step: 'failed' };
      if (error instanceof AuthenticationError) throw error;
      throw new AuthenticationError(`${INVALID_CREDENTIALS} (${this.mechanism.name})`, 'malformed-message');
    }
  }
}

/**
 * RFC 5802 wants the client-final nonce to be the server-first nonce (client nonce + server
 * nonce). librdkafka (kcat, confluent-kafka-*) sends its client nonce in front of that whole
 * nonce again, and Kafka accepts it because ScramSaslServer only checks `endsWith`: so this
 * takes exactly those two forms. The proof covers the client-final message as sent, so the
 * extra prefix cannot be forged.
 */
function acceptsFinalNonce(finalNonce: string, serverFirstNonce: string, clientNonce: string): boolean {
  return finalNonce === serverFirstNonce || finalNonce === clientNonce + serverFirstNonce;
}
