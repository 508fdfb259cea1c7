import type { AuthServiceClient } from '../gen/fjord/v1/AuthService.js';
import { type SessionGrant, saslLogin } from './sasl-login.js';
import type { SaslOptions } from './security-options.js';

/** Upper bound of one login exchange (two round trips and the client's PBKDF2). */
export const SASL_LOGIN_TIMEOUT_MS = 15_000;

/** A token is renewed once this share of its lifetime has passed, while it still works. */
const REFRESH_AFTER_LIFETIME_FRACTION = 0.8;

/** A token this close to its expiry is not sent any more: it could expire on the way. */
const EXPIRY_MARGIN_MS = 1_000;

/** Options of a {@link SaslChannelSession}. */
export interface SaslChannelSessionOptions {
  /** Clock, for tests; default `Date.now`. */
  now?: () => number;
  loginTimeoutMs?: number;
}

interface HeldGrant extends SessionGrant {
  readonly refreshAtMs: number;
}

/**
 * The SASL session of one channel: logs in through `client` (an AuthService client on that
 * channel, so the token is bound to its connection), hands the token to every call, renews it
 * in the background once most of its lifetime has passed, and logs in again when it expired or
 * the server refused it. Every caller waiting for a login shares the one in flight.
 */
export class SaslChannelSession {
  readonly #client: AuthServiceClient;
  readonly #sasl: SaslOptions;
  readonly #now: () => number;
  readonly #loginTimeoutMs: number;
  #grant: HeldGrant | undefined;
  #login: Promise<HeldGrant> | undefined;
  #logins = 0;

  constructor(client: AuthServiceClient, sasl: SaslOptions, options: SaslChannelSessionOptions = {}) {
    this.#client = client;
    this.#sasl = sasl;
    this.#now = options.now ?? Date.now;
    this.#loginTimeoutMs = options.loginTimeoutMs ?? SASL_LOGIN_TIMEOUT_MS;
  }

  /** Logins started so far (for tests and metrics). */
  get logins(): number {
    return this.#logins;
  }

  /** The principal of the last successful login, if any. */
  get principal(): string | undefined {
    return this.#grant?.principal;
  }

  /**
   * The token to send now: the held one while it is valid (starting a background renewal once
   * it is due), otherwise the result of a login, shared with every other caller waiting.
   * Rejects with the login's gRPC error.
   */
  async token(): Promise<string> {
    const now = this.#now();
    const held = this.#grant;
    if (held && now < held.expiresAtMs - EXPIRY_MARGIN_MS) {
      if (now >= held.refreshAtMs) {
        // A failed renewal leaves the held token in use; the next call after expiry logs in
        // in the foreground and reports the failure.
        this.#startLogin().catch(() => {});
      }
      return held.token;
    }
    return (await this.#startLogin()).token;
  }

  /**
   * Forgets `token` after the server refused it (`fjord-reauthenticate`), so the next
   * {@link token} logs in again. A token already replaced by a newer login is left alone, so
   * several calls refused at once cause one login.
   */
  invalidate(token: string): void {
    if (this.#grant?.token === token) this.#grant = undefined;
  }

  #startLogin(): Promise<HeldGrant> {
    if (this.#login) return this.#login;
    this.#logins++;
    const startedAt = this.#now();
    const login = saslLogin(this.#client, this.#sasl, startedAt + this.#loginTimeoutMs).then((grant) => {
      const lifetime = Math.max(0, grant.expiresAtMs - startedAt);
      const held = { ...grant, refreshAtMs: startedAt + lifetime * REFRESH_AFTER_LIFETIME_FRACTION };
      this.#grant = held;
      return held;
    });
    this.#login = login;
    const clear = (): void => {
      if (this.#login === login) this.#login = undefined;
    };
    login.then(clear, clear);
    return login;
  }
}
