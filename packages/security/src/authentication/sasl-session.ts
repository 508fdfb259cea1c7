import {
  AuthenticationError,
  parsePlainMessage,
  SCRAM_MECHANISMS,
  SCRAM_SHA_256,
  SCRAM_SHA_512,
} from '@fjord/protocol/sasl';
import { formatPrincipal, type KafkaPrincipal, userPrincipal } from '../principal/kafka-principal.js';
import { verifyPlainWithScramCredential } from '../sasl/plain-verification.js';
import { type ScramCredentialLookup, ScramServer } from '../sasl/scram-server.js';
import type { SessionTokens } from '../tokens/session-tokens.js';

/** The SASL mechanisms a server can offer. */
export const SASL_MECHANISMS = ['SCRAM-SHA-256', 'SCRAM-SHA-512', 'PLAIN'] as const;
export type SaslMechanismName = (typeof SASL_MECHANISMS)[number];

/** Offered unless configured otherwise: PLAIN sends the password itself, so it is opt-in. */
export const DEFAULT_SASL_MECHANISMS: readonly SaslMechanismName[] = ['SCRAM-SHA-256', 'SCRAM-SHA-512'];

/** A client asked for a mechanism the server does not offer (Kafka's UNSUPPORTED_SASL_MECHANISM). */
export class UnsupportedSaslMechanismError extends Error {
  override readonly name = 'UnsupportedSaslMechanismError';

  constructor(
    readonly requested: string,
    readonly enabled: readonly string[],
  ) {
    super(`SASL mechanism '${requested}' is not enabled; enabled: ${enabled.join(', ')}`);
  }
}

/** Options of a {@link SaslSession}. */
export interface SaslSessionOptions {
  readonly lookup: ScramCredentialLookup;
  /** Secret of this node for unknown users' fake salts (see `ScramServer`). */
  readonly unknownUserSecret: Uint8Array;
  readonly tokens: SessionTokens;
  /** The connection the session token is bound to. */
  readonly connectionId: string;
  readonly enabledMechanisms?: readonly SaslMechanismName[];
}

/** One step's answer: a challenge to send, and when done the principal and its session token. */
export type SaslStep =
  | { readonly done: false; readonly challenge: Uint8Array }
  | {
      readonly done: true;
      readonly challenge: Uint8Array;
      readonly principal: KafkaPrincipal;
      readonly token: string;
      readonly expiresAt: number;
    };

/**
 * The server side of one login, as Kafka's SaslHandshake + SaslAuthenticate: created with the
 * mechanism the client chose, fed the client's messages one by one, and on success it yields
 * the principal and a session token bound to the connection. PLAIN is checked against the
 * user's stored SCRAM-SHA-512 credential, or its SCRAM-SHA-256 one. Any failure throws `AuthenticationError` and ends the session.
 */
export class SaslSession {
  private readonly scram: ScramServer | undefined;
  private finished = false;
  private sentServerFirst = false;

  constructor(
    readonly mechanism: string,
    private readonly options: SaslSessionOptions,
  ) {
    const enabled = options.enabledMechanisms ?? DEFAULT_SASL_MECHANISMS;
    if (!enabled.includes(mechanism as SaslMechanismName))
      throw new UnsupportedSaslMechanismError(mechanism, enabled);
    const scramMechanism = SCRAM_MECHANISMS.get(mechanism);
    this.scram = scramMechanism
      ? new ScramServer(scramMechanism, {
          lookup: options.lookup,
          unknownUserSecret: options.unknownUserSecret,
        })
      : undefined;
  }

  /** Handles the client's next message. */
  step(message: Uint8Array): SaslStep {
    if (this.finished) {
      throw new AuthenticationError(
        'authentication failed: this SASL exchange is over',
        'unexpected-message',
      );
    }
    try {
      if (!this.scram) {
        const plain = parsePlainMessage(message);
        // The user's SCRAM-SHA-512 credential if there is one, else the SCRAM-SHA-256 one.
        const mechanism = this.options.lookup(plain.username, SCRAM_SHA_512) ? SCRAM_SHA_512 : SCRAM_SHA_256;
        const user = verifyPlainWithScramCredential(
          this.options.lookup,
          mechanism,
          plain.username,
          plain.password,
        );
        return this.success(user, new Uint8Array());
      }
      const text = new TextDecoder('utf-8', { fatal: true }).decode(message);
      if (!this.sentServerFirst) {
        this.sentServerFirst = true;
        return { done: false, challenge: new TextEncoder().encode(this.scram.handleClientFirst(text)) };
      }
      const serverFinal = this.scram.handleClientFinal(text);
      return this.success(this.scram.username as string, new TextEncoder().encode(serverFinal));
    } catch (error) {
      this.finished = true;
      if (error instanceof AuthenticationError) throw error;
      throw new AuthenticationError('authentication failed: malformed SASL message', 'malformed-message');
    }
  }

  private success(user: string, challenge: Uint8Array): SaslStep {
    this.finished = true;
    const principal = userPrincipal(user);
    const { token, claims } = this.options.tokens.issue(
      formatPrincipal(principal),
      this.options.connectionId,
    );
    return { done: true, challenge, principal, token, expiresAt: claims.expiresAt };
  }
}
