import { ApiKey } from '@fjord/kafka-protocol';
import { ErrorCode } from '@fjord/protocol';
import {
  AuthenticationError,
  type Clock,
  formatPrincipal,
  type KafkaPrincipal,
  type SaslMechanismName,
  SaslSession,
  type ScramCredentialLookup,
  type SessionTokens,
  UnsupportedSaslMechanismError,
} from '@fjord/security';

/** SASL on a Kafka listener (SASL_PLAINTEXT, SASL_SSL). */
export interface KafkaSaslSettings {
  /** `--sasl-enabled-mechanisms`, in the order SaslHandshake lists them. */
  readonly mechanisms: readonly SaslMechanismName[];
  /**
   * Issues the session a login opens; its lifetime (`--session-token-lifetime-ms`) is the
   * session lifetime SaslAuthenticate v1+ announces (KIP-368).
   */
  readonly tokens: SessionTokens;
  /** This node's secret for the fake salts of unknown users (see ScramServer). */
  readonly unknownUserSecret: Uint8Array;
  /** The broker's copy of the stored SCRAM credentials. */
  readonly lookup: ScramCredentialLookup;
  readonly clock: Clock;
}

/** What one SaslHandshake gets back. */
export interface HandshakeOutcome {
  readonly errorCode: number;
  readonly mechanisms: readonly string[];
  /** Close the connection once the answer is sent (as Kafka does after a refused mechanism). */
  readonly close: boolean;
}

/** What one SASL token (SaslAuthenticate, or a raw v0 token) gets back. */
export interface AuthenticateOutcome {
  readonly errorCode: number;
  readonly errorMessage: string | null;
  readonly authBytes: Buffer;
  /** Milliseconds until the session must be renewed; 0 until the exchange completes (KIP-368). */
  readonly sessionLifetimeMs: bigint;
  readonly close: boolean;
}

type State =
  /** Not a SASL listener: the principal is fixed (ANONYMOUS, or the certificate's). */
  | { readonly kind: 'fixed' }
  /** SASL listener, nothing yet: only ApiVersions and SaslHandshake. */
  | { readonly kind: 'handshake' }
  /** A mechanism was chosen; SaslAuthenticate (v1 handshake) or raw tokens (v0) carry the exchange. */
  | {
      readonly kind: 'exchange';
      readonly session: SaslSession;
      readonly raw: boolean;
      readonly reauthenticating: boolean;
    }
  | {
      readonly kind: 'authenticated';
      readonly expiresAt: number;
      readonly supportsReauthentication: boolean;
    };

const PRE_AUTHENTICATION_APIS: ReadonlySet<number> = new Set([ApiKey.ApiVersions, ApiKey.SaslHandshake]);

/**
 * The authentication of one Kafka connection, as Kafka's SaslServerAuthenticator runs it.
 *
 * On a SASL listener a connection starts unauthenticated and may send only ApiVersions and
 * SaslHandshake; anything else closes it. After a v1 handshake the exchange travels in
 * SaslAuthenticate requests (and only those are accepted); after a v0 handshake it travels as
 * raw SASL tokens in size-prefixed frames without a Kafka header. A failed exchange is answered
 * SASL_AUTHENTICATION_FAILED with Kafka's message and closes the connection. A successful one
 * sets the principal and a session lifetime; once the session has expired, the next request
 * other than a SaslHandshake closes the connection. A client that authenticated with
 * SaslAuthenticate v1+ may re-authenticate on the open connection (KIP-368) with the same
 * mechanism and principal.
 */
export class KafkaConnectionAuthentication {
  #state: State;
  #principal: KafkaPrincipal;
  #mechanism: string | undefined;
  readonly #sasl: KafkaSaslSettings | undefined;
  readonly #connectionId: string;

  constructor(options: {
    /** Undefined on PLAINTEXT and SSL listeners. */
    readonly sasl?: KafkaSaslSettings | undefined;
    /** The principal before (or, without SASL, instead of) a login. */
    readonly principal: KafkaPrincipal;
    /** The connection the session is bound to (`address:port` of the client). */
    readonly connectionId: string;
  }) {
    this.#sasl = options.sasl;
    this.#principal = options.principal;
    this.#connectionId = options.connectionId;
    this.#state = options.sasl ? { kind: 'handshake' } : { kind: 'fixed' };
  }

  /** The connection's principal: ANONYMOUS (or the certificate's) until a SASL login completes. */
  get principal(): KafkaPrincipal {
    return this.#principal;
  }

  /** True while a v0 handshake's exchange expects raw SASL tokens instead of Kafka requests. */
  get expectsRawToken(): boolean {
    return this.#state.kind === 'exchange' && this.#state.raw;
  }

  /** True once the connection may send any request (always on a listener without SASL). */
  get authenticated(): boolean {
    return this.#state.kind === 'fixed' || this.#state.kind === 'authenticated';
  }

  /**
   * Whether a request of this API may be handled now; the reason to close the connection when
   * not (Kafka closes it without an answer).
   */
  admit(apiKey: number): string | undefined {
    const state = this.#state;
    switch (state.kind) {
      case 'fixed':
        return undefined;
      case 'handshake':
        return PRE_AUTHENTICATION_APIS.has(apiKey)
          ? undefined
          : `unexpected Kafka request of type ${apiKeyName(apiKey)} during SASL handshake`;
      case 'exchange':
        return apiKey === ApiKey.SaslAuthenticate
          ? undefined
          : `unexpected Kafka request of type ${apiKeyName(apiKey)} during SASL authentication`;
      case 'authenticated':
        if (apiKey !== ApiKey.SaslHandshake && this.#sasl!.clock.now() >= state.expiresAt)
          return 'the SASL session expired and the client did not re-authenticate';
        return undefined;
    }
  }

  /** SaslHandshake: chooses the mechanism (or starts a re-authentication). */
  handshake(mechanism: string, version: number): HandshakeOutcome {
    const sasl = this.#sasl;
    const state = this.#state;
    if (!sasl) return { errorCode: ErrorCode.ILLEGAL_SASL_STATE, mechanisms: [], close: false };
    const enabled = sasl.mechanisms;
    const reauthenticating = state.kind === 'authenticated';
    if (reauthenticating && (!state.supportsReauthentication || version < 1)) {
      // Kafka's KafkaApis answers a handshake on an authenticated connection this way.
      return { errorCode: ErrorCode.ILLEGAL_SASL_STATE, mechanisms: enabled, close: false };
    }
    if (state.kind !== 'handshake' && !reauthenticating)
      return { errorCode: ErrorCode.ILLEGAL_SASL_STATE, mechanisms: enabled, close: true };
    if (reauthenticating && mechanism !== this.#mechanism) {
      // A re-authentication must keep the mechanism (Kafka: REAUTH_BAD_MECHANISM).
      return { errorCode: ErrorCode.UNSUPPORTED_SASL_MECHANISM, mechanisms: enabled, close: true };
    }
    let session: SaslSession;
    try {
      session = new SaslSession(mechanism, {
        lookup: sasl.lookup,
        unknownUserSecret: sasl.unknownUserSecret,
        tokens: sasl.tokens,
        connectionId: this.#connectionId,
        enabledMechanisms: enabled,
      });
    } catch (error) {
      if (!(error instanceof UnsupportedSaslMechanismError)) throw error;
      return { errorCode: ErrorCode.UNSUPPORTED_SASL_MECHANISM, mechanisms: enabled, close: true };
    }
    this.#mechanism = mechanism;
    this.#state = { kind: 'exchange', session, raw: version === 0, reauthenticating };
    return { errorCode: ErrorCode.NONE, mechanisms: enabled, close: false };
  }

  /** One client token of the exchange (SaslAuthenticate's authBytes, or a raw v0 token). */
  authenticate(token: Uint8Array, version: number): AuthenticateOutcome {
    const state = this.#state;
    if (state.kind !== 'exchange') {
      return {
        errorCode: ErrorCode.ILLEGAL_SASL_STATE,
        errorMessage:
          state.kind === 'authenticated' || state.kind === 'fixed'
            ? 'SaslAuthenticate request received after successful authentication'
            : 'SaslAuthenticate request received before a SaslHandshake chose a mechanism',
        authBytes: Buffer.alloc(0),
        sessionLifetimeMs: 0n,
        close: state.kind === 'handshake',
      };
    }
    const during = state.reauthenticating ? 're-authentication' : 'authentication';
    try {
      const step = state.session.step(token);
      const challenge = Buffer.from(step.challenge);
      if (!step.done) {
        return {
          errorCode: 0,
          errorMessage: null,
          authBytes: challenge,
          sessionLifetimeMs: 0n,
          close: false,
        };
      }
      const principal = formatPrincipal(step.principal);
      if (state.reauthenticating && principal !== formatPrincipal(this.#principal)) {
        return this.#failed(
          `Cannot change principals during re-authentication from ${formatPrincipal(this.#principal)}: ${principal}`,
        );
      }
      const now = this.#sasl!.clock.now();
      this.#principal = step.principal;
      this.#state = {
        kind: 'authenticated',
        expiresAt: step.expiresAt,
        supportsReauthentication: !state.raw && version >= 1,
      };
      return {
        errorCode: ErrorCode.NONE,
        errorMessage: null,
        authBytes: challenge,
        sessionLifetimeMs: BigInt(Math.max(0, step.expiresAt - now)),
        close: false,
      };
    } catch (error) {
      if (!(error instanceof AuthenticationError)) throw error;
      // Kafka's message: it names the mechanism, never the cause (unknown user or wrong password).
      return this.#failed(
        `Authentication failed during ${during} due to invalid credentials with SASL mechanism ${this.#mechanism}`,
      );
    }
  }

  #failed(message: string): AuthenticateOutcome {
    this.#state = this.#sasl ? { kind: 'handshake' } : { kind: 'fixed' };
    return {
      errorCode: ErrorCode.SASL_AUTHENTICATION_FAILED,
      errorMessage: message,
      authBytes: Buffer.alloc(0),
      sessionLifetimeMs: 0n,
      close: true,
    };
  }
}

const API_NAMES = new Map<number, string>(Object.entries(ApiKey).map(([name, key]) => [key, name]));

function apiKeyName(apiKey: number): string {
  return API_NAMES.get(apiKey) ?? `API key ${apiKey}`;
}
