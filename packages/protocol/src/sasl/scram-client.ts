import { AuthenticationError } from './authentication-error.js';
import { constantTimeEqual, hmac, xor } from './scram-crypto.js';
import { deriveScramKeys, type ScramKeys } from './scram-keys.js';
import { MAX_SCRAM_ITERATIONS, MIN_SCRAM_ITERATIONS, type ScramMechanism } from './scram-mechanism.js';
import {
  formatClientFinal,
  formatClientFinalWithoutProof,
  formatClientFirst,
  GS2_HEADER_NO_BINDING,
  parseServerFinal,
  parseServerFirst,
} from './scram-messages.js';
import { randomScramNonce } from './scram-nonce.js';

/** Options of a {@link ScramClient}. */
export interface ScramClientOptions {
  readonly username: string;
  readonly password: string;
  /** The client nonce; random unless a test pins it to reproduce a published vector. */
  readonly clientNonce?: string;
}

type ClientState =
  | { readonly step: 'initial' }
  | { readonly step: 'sent-client-first'; readonly bare: string }
  | { readonly step: 'sent-client-final'; readonly expectedServerSignature: Buffer }
  | { readonly step: 'done' }
  | { readonly step: 'failed' };

/**
 * The client side of one SCRAM exchange (RFC 5802 §3): `firstMessage()`, then
 * `finalMessage(serverFirst)`, then `verifyServerFinal(serverFinal)`, which proves the server
 * knew the user's ServerKey. Any failure ends the exchange; a new exchange needs a new client.
 */
export class ScramClient {
  private state: ClientState = { step: 'initial' };
  private readonly clientNonce: string;

  constructor(
    readonly mechanism: ScramMechanism,
    private readonly options: ScramClientOptions,
  ) {
    if (options.username.length === 0) throw new Error('a SCRAM username must not be empty');
    this.clientNonce = options.clientNonce ?? randomScramNonce();
  }

  /** True once the server's signature was verified. */
  get isComplete(): boolean {
    return this.state.step === 'done';
  }

  /** The client-first-message. */
  firstMessage(): string {
    this.expect('initial');
    const message = formatClientFirst(this.options.username, this.clientNonce);
    this.state = { step: 'sent-client-first', bare: message.slice(GS2_HEADER_NO_BINDING.length) };
    return message;
  }

  /** The client-final-message answering `serverFirst`, whose nonce and iteration count are checked. */
  finalMessage(serverFirst: string): string {
    const state = this.expect('sent-client-first');
    return this.guard(() => {
      const parsed = parseServerFirst(serverFirst);
      if (!parsed.nonce.startsWith(this.clientNonce) || parsed.nonce.length === this.clientNonce.length) {
        throw new AuthenticationError(
          'authentication failed: the server nonce does not extend the client nonce',
          'nonce-mismatch',
        );
      }
      if (parsed.iterations < MIN_SCRAM_ITERATIONS || parsed.iterations > MAX_SCRAM_ITERATIONS) {
        throw new AuthenticationError(
          `authentication failed: the server asked for ${parsed.iterations} SCRAM iterations, outside ${MIN_SCRAM_ITERATIONS}..${MAX_SCRAM_ITERATIONS}`,
          'iteration-count-out-of-range',
        );
      }
      const keys: ScramKeys = deriveScramKeys(
        this.mechanism,
        this.options.password,
        parsed.salt,
        parsed.iterations,
      );
      const withoutProof = formatClientFinalWithoutProof(GS2_HEADER_NO_BINDING, parsed.nonce);
      const authMessage = `${state.bare},${parsed.text},${withoutProof}`;
      const clientSignature = hmac(this.mechanism, keys.storedKey, authMessage);
      const proof = xor(keys.clientKey, clientSignature);
      this.state = {
        step: 'sent-client-final',
        expectedServerSignature: hmac(this.mechanism, keys.serverKey, authMessage),
      };
      return formatClientFinal(withoutProof, proof);
    });
  }

  /** Checks the server-final-message; throws {@link AuthenticationError} unless the server proved itself. */
  verifyServerFinal(serverFinal: string): void {
    const state = this.expect('sent-client-final');
    this.guard(() => {
      const parsed = parseServerFinal(serverFinal);
      if ('error' in parsed) {
        throw new AuthenticationError(
          `authentication failed: the server answered e=${parsed.error}`,
          'server-error',
        );
      }
      if (!constantTimeEqual(parsed.verifier, state.expectedServerSignature)) {
        throw new AuthenticationError(
          'authentication failed: the server signature is wrong (the server does not hold this credential)',
          'invalid-server-signature',
        );
      }
      this.state = { step: 'done' };
    });
  }

  private expect<S extends ClientState['step']>(step: S): Extract<ClientState, { step: S }> {
    if (this.state.step !== step) {
      const was = this.state.step;
      this.state = { step: 'failed' };
      throw new AuthenticationError(
        `authentication failed: SCRAM client step out of order (in state ${was}, expected ${step})`,
        'unexpected-message',
      );
    }
    return this.state as Extract<ClientState, { step: S }>;
  }

  private guard<T>(step: () => T): T {
    try {
      return step();
    } catch (error) {
      this.state = { step: 'failed' };
      throw error;
    }
  }
}
