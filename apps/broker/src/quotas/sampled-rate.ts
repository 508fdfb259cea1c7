/** Kafka's `quota.window.num`: samples kept per rate (10 full ones and the current one). */
export const QUOTA_WINDOW_SAMPLES = 11;
/** Kafka's `quota.window.size.seconds`, in ms: the span of one sample. */
export const QUOTA_SAMPLE_WINDOW_MS = 1_000;

interface Sample {
  startMs: number;
  value: number;
}

/**
 * A rate measured as Kafka's `Rate` over a `SampledStat` (WindowedSum): values are added to the
 * current sample, a new sample starts when the current one is `sampleWindowMs` old, samples
 * older than `samples × sampleWindowMs` are reset (not counted), and the rate is the sum of the
 * samples over the window they span, taken as at least `samples - 1` full windows so that the
 * first seconds of a new client do not measure as a huge rate.
 */
export class SampledRate {
  readonly #samples: Sample[] = [];
  #current = 0;

  constructor(
    readonly sampleCount: number = QUOTA_WINDOW_SAMPLES,
    readonly sampleWindowMs: number = QUOTA_SAMPLE_WINDOW_MS,
  ) {
    if (!Number.isInteger(sampleCount) || sampleCount < 2)
      throw new Error('a sampled rate needs at least 2 samples');
    if (!(sampleWindowMs > 0)) throw new Error('a sample window must be longer than 0 ms');
  }

  /** Adds `value` at `nowMs` (a negative value takes a recorded one back, as Kafka's unrecord). */
  record(value: number, nowMs: number): void {
    let sample = this.#currentSample(nowMs);
    if (nowMs - sample.startMs >= this.sampleWindowMs) sample = this.#advance(nowMs);
    sample.value += value;
  }

  /** The rate per second at `nowMs`. */
  measure(nowMs: number): number {
    this.#purgeObsolete(nowMs);
    let total = 0;
    for (const sample of this.#samples) total += sample.value;
    return total / (this.windowSizeMs(nowMs) / 1_000);
  }

  /**
   * The span the rate is measured over: from the oldest sample's start to now, but at least
   * `sampleCount - 1` full sample windows (Kafka's Rate.windowSize).
   */
  windowSizeMs(nowMs: number): number {
    this.#purgeObsolete(nowMs);
    let oldest = this.#currentSample(nowMs).startMs;
    for (const sample of this.#samples) if (sample.startMs < oldest) oldest = sample.startMs;
    let elapsedMs = nowMs - oldest;
    const fullWindows = Math.floor(elapsedMs / this.sampleWindowMs);
    const minFullWindows = this.sampleCount - 1;
    if (fullWindows < minFullWindows) elapsedMs += (minFullWindows - fullWindows) * this.sampleWindowMs;
    return elapsedMs;
  }

  /** Whether every sample is older than the whole window: the rate measures 0 from now on. */
  isIdle(nowMs: number): boolean {
    const expireAgeMs = this.sampleCount * this.sampleWindowMs;
    return this.#samples.every((sample) => nowMs - sample.startMs >= expireAgeMs);
  }

  #currentSample(nowMs: number): Sample {
    if (this.#samples.length === 0) this.#samples.push({ startMs: nowMs, value: 0 });
    return this.#samples[this.#current]!;
  }

  #advance(nowMs: number): Sample {
    this.#current = (this.#current + 1) % this.sampleCount;
    if (this.#current >= this.#samples.length) {
      const sample = { startMs: nowMs, value: 0 };
      this.#samples.push(sample);
      return sample;
    }
    const sample = this.#samples[this.#current]!;
    sample.startMs = nowMs;
    sample.value = 0;
    return sample;
  }

  #purgeObsolete(nowMs: number): void {
    const expireAgeMs = this.sampleCount * this.sampleWindowMs;
    for (const sample of this.#samples) {
      if (nowMs - sample.startMs >= expireAgeMs) {
        sample.startMs = nowMs;
        sample.value = 0;
      }
    }
  }
}
