import { QUOTA_SAMPLE_WINDOW_MS, QUOTA_WINDOW_SAMPLES, SampledRate } from './sampled-rate.js';

/** Whom a quota applies to: Kafka's (user, client-id) quota entity. */
export interface QuotaClient {
  /** `User:alice`; `User:ANONYMOUS` on a listener without authentication. */
  readonly principal: string;
  /** The client's `fjord-client-id` (Kafka's client.id); '' when it sent none. */
  readonly clientId: string;
}

/** At most this many clients are tracked per quota; past it the least recently seen is dropped. */
export const DEFAULT_MAX_QUOTA_CLIENTS = 10_000;

/** The largest throttle time an answer can carry (throttle_time_ms is an int32). */
const MAX_THROTTLE_TIME_MS = 2 ** 31 - 1;

/** Options of {@link ClientByteRateQuota}. */
export interface ClientByteRateQuotaOptions {
  /** Bytes per second each (principal, client id) may use; undefined = unlimited. */
  bytesPerSecond: number | undefined;
  /** Clock in ms; replaceable in tests. */
  nowMs?: () => number;
  /** Bound on the clients tracked (default {@link DEFAULT_MAX_QUOTA_CLIENTS}). */
  maxClients?: number;
  /** Kafka's quota.window.num and quota.window.size.seconds (default 11 × 1 s). */
  samples?: number;
  sampleWindowMs?: number;
  /** Called with each throttle time handed out, e.g. to count throttled seconds. */
  onThrottle?: (throttleTimeMs: number) => void;
}

interface TrackedClient {
  readonly rate: SampledRate;
  mutedUntilMs: number;
}

/**
 * A byte-rate quota per (principal, client id) with one default bound for every client, as
 * Kafka's ClientQuotaManager with a `<default>` user and client-id quota: each request's bytes
 * are recorded in the client's {@link SampledRate}; when the rate is over the bound, the
 * throttle time is the delay that brings it back under it if nothing more is sent,
 * `(rate - bound) / bound × window` (Kafka's QuotaUtils.throttleTime). As KIP-219, the answer
 * goes out at once carrying that time, and the client is muted for it: its next request is
 * held until the time has passed ({@link whileMuted}).
 *
 * State stays bounded: a client whose samples have all expired (idle for the whole window) and
 * whose mute is over measures exactly as a new one would, so it is dropped; beyond
 * `maxClients` the least recently seen client is dropped too.
 */
export class ClientByteRateQuota {
  readonly #bound: number | undefined;
  readonly #nowMs: () => number;
  readonly #maxClients: number;
  readonly #samples: number;
  readonly #sampleWindowMs: number;
  readonly #onThrottle: ((throttleTimeMs: number) => void) | undefined;
  /** By client key, least recently seen first. */
  readonly #clients = new Map<string, TrackedClient>();

  constructor(options: ClientByteRateQuotaOptions) {
    const { bytesPerSecond } = options;
    if (bytesPerSecond !== undefined && !(bytesPerSecond > 0))
      throw new Error(`a byte-rate quota must be above 0 bytes/s, got ${bytesPerSecond}`);
    this.#bound = bytesPerSecond;
    this.#nowMs = options.nowMs ?? Date.now;
    this.#maxClients = options.maxClients ?? DEFAULT_MAX_QUOTA_CLIENTS;
    this.#samples = options.samples ?? QUOTA_WINDOW_SAMPLES;
    this.#sampleWindowMs = options.sampleWindowMs ?? QUOTA_SAMPLE_WINDOW_MS;
    this.#onThrottle = options.onThrottle;
  }

  /** False when unlimited: nothing is recorded and nobody is throttled. */
  get enabled(): boolean {
    return this.#bound !== undefined;
  }

  /** Clients tracked now (bounded). */
  get trackedClients(): number {
    return this.#clients.size;
  }

  /** Records `bytes` for the client; the throttle time they earn, 0 within the quota. */
  recordAndGetThrottleTimeMs(client: QuotaClient, bytes: number): number {
    const bound = this.#bound;
    if (bound === undefined) return 0;
    const nowMs = this.#nowMs();
    const tracked = this.#touch(client, nowMs);
    tracked.rate.record(bytes, nowMs);
    const rate = tracked.rate.measure(nowMs);
    if (rate <= bound) return 0;
    const throttleTimeMs = Math.round(((rate - bound) / bound) * tracked.rate.windowSizeMs(nowMs));
    return Math.min(throttleTimeMs, MAX_THROTTLE_TIME_MS);
  }

  /** Takes recorded bytes back (a fetch answered empty because it was throttled). */
  unrecord(client: QuotaClient, bytes: number): void {
    if (this.#bound === undefined) return;
    const nowMs = this.#nowMs();
    this.#touch(client, nowMs).rate.record(-bytes, nowMs);
  }

  /** Mutes the client for `throttleTimeMs`: its requests until then are held. */
  throttle(client: QuotaClient, throttleTimeMs: number): void {
    if (throttleTimeMs <= 0 || this.#bound === undefined) return;
    const nowMs = this.#nowMs();
    const tracked = this.#touch(client, nowMs);
    tracked.mutedUntilMs = Math.max(tracked.mutedUntilMs, nowMs + throttleTimeMs);
    this.#onThrottle?.(throttleTimeMs);
  }

  /** How long the client is still muted, in ms (0: not muted). */
  mutedForMs(client: QuotaClient): number {
    const tracked = this.#clients.get(keyOf(client));
    return tracked ? Math.max(0, tracked.mutedUntilMs - this.#nowMs()) : 0;
  }

  /**
   * Resolves once the client is not muted: at once for a client that waited out its throttle
   * time, later for one that did not (Kafka keeps such a client's connection muted), or when
   * `signal` aborts (the call was cancelled, the broker is stopping).
   */
  async whileMuted(client: QuotaClient, signal: AbortSignal): Promise<void> {
    for (;;) {
      const waitMs = this.mutedForMs(client);
      if (waitMs <= 0 || signal.aborted) return;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, waitMs);
        function done() {
          clearTimeout(timer);
          signal.removeEventListener('abort', done);
          resolve();
        }
        signal.addEventListener('abort', done, { once: true });
      });
    }
  }

  #touch(client: QuotaClient, nowMs: number): TrackedClient {
    const key = keyOf(client);
    let tracked = this.#clients.get(key);
    if (tracked) {
      // Re-inserted: the map stays ordered from least to most recently seen.
      this.#clients.delete(key);
    } else {
      this.#evict(nowMs);
      tracked = { rate: new SampledRate(this.#samples, this.#sampleWindowMs), mutedUntilMs: 0 };
    }
    this.#clients.set(key, tracked);
    return tracked;
  }

  #evict(nowMs: number): void {
    for (const [key, tracked] of this.#clients) {
      const forgettable = tracked.rate.isIdle(nowMs) && tracked.mutedUntilMs <= nowMs;
      if (!forgettable && this.#clients.size < this.#maxClients) return;
      this.#clients.delete(key);
    }
  }
}

function keyOf(client: QuotaClient): string {
  return `${client.principal}\u0000${client.clientId}`;
}
