import type { Cluster } from '../../cluster/metadata.js';
import { FjordError, InvalidArgumentError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import type { ResolvedConsumerOptions } from '../../options.js';
import type { Clock } from '../../retry.js';
import { type TopicPartition, tpKey } from '../../topic-partition.js';
import { commitOffsets, fetchCommitted, type OffsetAndPartition } from './group-client.js';
import { Membership, type Subscription } from './membership.js';
import type { RebalanceListener } from './rebalance-listener.js';

/** What the group session needs from the consumer it drives. */
export interface PartitionHost {
  /** Partitions the consumer holds now. */
  owned(): TopicPartition[];
  /** Starts holding partitions (no position yet: the committed offset is looked up). */
  add(partitions: readonly TopicPartition[]): void;
  /** Stops holding partitions at once (fetches in flight for them are dropped). */
  remove(partitions: readonly TopicPartition[]): void;
  /** Wakes a waiting poll(). */
  notify(): void;
  /** Reports an error to the next poll(). */
  fail(error: FjordError): void;
}

/** Options of {@link GroupSession.commit}. */
export interface CommitOptions {
  /** Do not wait for the coordinator's answer (failures are logged). */
  async?: boolean;
  /** Commit exactly these offsets (the offset of the next record to read) instead of the processed ones. */
  offsets?: Array<TopicPartition & { offset: bigint }>;
}

/**
 * A consumer's life in a group: membership (heartbeats), reconciliation of owned partitions
 * at poll time, the rebalance listener, and at-least-once commits of processed offsets.
 */
export class GroupSession {
  readonly #membership: Membership;
  readonly #processed = new Map<string, OffsetAndPartition>();
  readonly #committed = new Map<string, bigint>();
  // Handed out by the last poll(): processed once the application polls (or commits) again.
  #handedOut = new Map<string, OffsetAndPartition>();
  #revoking = new Set<string>();
  #lost: TopicPartition[] = [];
  #listener: RebalanceListener = {};
  #subscription: Subscription | undefined;
  #commitChain: Promise<void> = Promise.resolve();
  #nextAutoCommit = 0;
  #lastPollMs: number;
  #pollExpired = false;
  #pollTimer: NodeJS.Timeout | undefined;
  #closing = false;

  constructor(
    private readonly deps: {
      cluster: Cluster;
      options: ResolvedConsumerOptions & { groupId: string };
      logger: Logger;
      clock: Clock;
      host: PartitionHost;
    },
  ) {
    const { options, clock, host } = deps;
    this.#lastPollMs = clock.now();
    this.#membership = new Membership({
      cluster: deps.cluster,
      logger: deps.logger,
      clock,
      groupId: options.groupId,
      groupInstanceId: options.groupInstanceId,
      sessionTimeoutMs: options.sessionTimeoutMs,
      maxPollIntervalMs: options.maxPollIntervalMs,
      assignor: options.assignor,
      onTarget: () => host.notify(),
      onLost: () => this.#loseAll(),
      onFatal: (error) => host.fail(error),
    });
  }

  /** The member id (a UUID chosen by this consumer). */
  get memberId(): string {
    return this.#membership.memberId;
  }

  /** Joins (or changes the subscription). */
  subscribe(subscription: Subscription, listener: RebalanceListener): void {
    this.#subscription = subscription;
    this.#listener = listener;
    this.#nextAutoCommit = this.deps.clock.now() + this.deps.options.autoCommitIntervalMs;
    this.#membership.subscribe(subscription);
    if (!this.#pollTimer) {
      const every = Math.max(50, Math.min(1000, Math.floor(this.deps.options.maxPollIntervalMs / 4)));
      this.#pollTimer = setInterval(() => this.#checkPollInterval(), every);
      this.#pollTimer.unref();
    }
  }

  /** True once subscribe() was called. */
  get subscribed(): boolean {
    return this.#subscription !== undefined;
  }

  /** Marks the start of a poll (for maxPollIntervalMs). */
  pollStarted(): void {
    this.#lastPollMs = this.deps.clock.now();
  }

  /** Records handed to the application by poll(): processed once it polls or commits again. */
  handedOut(records: ReadonlyArray<TopicPartition & { offset: bigint }>): void {
    // A poll hands out each partition's records together and in order: only the last one of
    // each run counts (no key string or bigint per record).
    for (let i = 0; i < records.length; i++) {
      const r = records[i]!;
      const next = records[i + 1];
      if (next && next.topic === r.topic && next.partition === r.partition) continue;
      this.#handedOut.set(tpKey(r), { topic: r.topic, partition: r.partition, offset: r.offset + 1n });
    }
  }

  /** The application is done with everything poll() returned before. */
  promoteHandedOut(): void {
    for (const [key, o] of this.#handedOut) this.markProcessed(o, o.offset, key);
    this.#handedOut.clear();
  }

  /** The record before `nextOffset` was processed (run/for-await: the handler returned). */
  markProcessed(tp: TopicPartition, nextOffset: bigint, key = tpKey(tp)): void {
    const current = this.#processed.get(key);
    if (!current || nextOffset > current.offset) {
      this.#processed.set(key, { topic: tp.topic, partition: tp.partition, offset: nextOffset });
    }
  }

  /**
   * Runs at the start of (and while waiting in) poll(): rejoins after a poll timeout, tells
   * the listener about lost partitions, reconciles owned partitions with the target, and
   * starts an auto commit when one is due.
   */
  async reconcile(): Promise<void> {
    if (!this.#subscription || this.#closing) return;
    const { host, options, clock, logger } = this.deps;
    if (this.#pollExpired) {
      this.#pollExpired = false;
      this.#membership.reset();
      this.#membership.subscribe(this.#subscription);
    }
    if (this.#lost.length > 0) {
      const lost = this.#lost;
      this.#lost = [];
      await this.#call('onPartitionsLost', lost);
    }
    const target = this.#membership.target;
    if (target) {
      const wanted = new Set(target.map(tpKey));
      const owned = host.owned();
      const have = new Set(owned.map(tpKey));
      const revoked = owned.filter((tp) => !wanted.has(tpKey(tp)));
      const added = target.filter((tp) => !have.has(tpKey(tp)));
      if (revoked.length > 0) {
        host.remove(revoked);
        this.#revoking = new Set(revoked.map(tpKey));
        await this.#call('onPartitionsRevoked', revoked);
        if (options.autoCommit) await this.#commitProcessed(revoked).catch((e) => this.#logCommitFailure(e));
        this.#revoking.clear();
        for (const tp of revoked) this.#forget(tpKey(tp));
        this.#membership.setOwned(host.owned());
        // Confirm at once: the member waiting for these partitions gets them a round trip later.
        this.#membership.beatNow();
        logger.info('partitions revoked', { partitions: revoked.map(tpKey) });
      }
      if (added.length > 0 && this.#membership.target === target) {
        host.add(added);
        this.#membership.setOwned(host.owned());
        // Settled again: the next (long-poll) heartbeat is the one that hears of the rest of
        // the target (partitions other members are still releasing), so send it now.
        this.#membership.beatNow();
        logger.info('partitions assigned', { partitions: added.map(tpKey) });
        await this.#call('onPartitionsAssigned', added);
      }
    }
    if (options.autoCommit && clock.now() >= this.#nextAutoCommit) {
      this.#nextAutoCommit = clock.now() + options.autoCommitIntervalMs;
      void this.#commitProcessed().catch((e) => this.#logCommitFailure(e));
    }
  }

  /** Committed offsets (admin read: not tied to this member's epoch). */
  committed(partitions: readonly TopicPartition[]): Promise<Map<string, bigint | undefined>> {
    return fetchCommitted(this.deps.cluster, this.deps.options.groupId, '', 0, partitions);
  }

  /** Committed offsets for partitions this member just got (epoch-checked). */
  committedForMember(partitions: readonly TopicPartition[]): Promise<Map<string, bigint | undefined>> {
    return fetchCommitted(
      this.deps.cluster,
      this.deps.options.groupId,
      this.#membership.memberId,
      this.#membership.epoch,
      partitions,
    );
  }

  /**
   * Commits processed offsets (everything poll() returned before counts as processed), or
   * the explicit `offsets`. Rejects with InvalidArgumentError for a partition not owned.
   */
  async commit(options: CommitOptions = {}): Promise<void> {
    let run: () => Promise<void>;
    if (options.offsets) {
      const owned = new Set([...this.deps.host.owned().map(tpKey), ...this.#revoking]);
      for (const o of options.offsets) {
        if (!owned.has(tpKey(o)))
          throw new InvalidArgumentError(`${tpKey(o)} is not assigned to this consumer`);
        if (typeof o.offset !== 'bigint' || o.offset < 0n)
          throw new InvalidArgumentError('offset must be a bigint >= 0n');
      }
      const offsets = options.offsets.map((o) => ({
        topic: o.topic,
        partition: o.partition,
        offset: o.offset,
      }));
      run = () => this.#send(offsets);
    } else {
      this.promoteHandedOut();
      run = () => this.#commitProcessed();
    }
    if (options.async) {
      void run().catch((e) => this.#logCommitFailure(e));
      return;
    }
    await run();
  }

  /** Commits what was processed, tells the listener, and leaves the group. */
  async close(): Promise<void> {
    this.#closing = true;
    if (this.#pollTimer) clearInterval(this.#pollTimer);
    this.#pollTimer = undefined;
    if (!this.#subscription) return;
    const owned = this.deps.host.owned();
    this.promoteHandedOut();
    if (owned.length > 0) {
      this.deps.host.remove(owned);
      this.#revoking = new Set(owned.map(tpKey));
      await this.#call('onPartitionsRevoked', owned);
      if (this.deps.options.autoCommit) await this.#commitProcessed().catch((e) => this.#logCommitFailure(e));
      this.#revoking.clear();
    }
    this.#membership.setOwned([]);
    await this.#membership.leave();
  }

  async #commitProcessed(only?: readonly TopicPartition[]): Promise<void> {
    const keys = only ? new Set(only.map(tpKey)) : undefined;
    const owned = new Set([...this.deps.host.owned().map(tpKey), ...this.#revoking]);
    const offsets = [...this.#processed]
      .filter(
        ([key, o]) =>
          (!keys || keys.has(key)) && owned.has(key) && o.offset > (this.#committed.get(key) ?? -1n),
      )
      .map(([, o]) => o);
    if (offsets.length > 0) await this.#send(offsets);
  }

  // Commits one after another, so an older commit never lands after a newer one.
  #send(offsets: OffsetAndPartition[]): Promise<void> {
    const run = this.#commitChain.then(async () => {
      if (!this.#membership.joined)
        throw new FjordError('not in the group (rejoining); nothing committed', {
          code: 'NOT_IN_GROUP',
          retriable: true,
        });
      await commitOffsets(
        this.deps.cluster,
        this.deps.options.groupId,
        this.#membership.memberId,
        this.#membership.epoch,
        offsets,
      );
      for (const o of offsets) {
        const key = tpKey(o);
        if (o.offset > (this.#committed.get(key) ?? -1n)) this.#committed.set(key, o.offset);
      }
    });
    this.#commitChain = run.catch(() => undefined);
    return run;
  }

  async #call(name: keyof RebalanceListener, partitions: TopicPartition[]): Promise<void> {
    const listener = this.#listener;
    const fn = listener[name] ?? (name === 'onPartitionsLost' ? listener.onPartitionsRevoked : undefined);
    if (!fn) return;
    try {
      await fn.call(listener, partitions);
    } catch (error) {
      this.deps.logger.error(`${name} listener failed`, {
        error: (error as Error)?.message ?? String(error),
      });
    }
  }

  // Fenced or session lost: someone else may own these now, so drop them without committing.
  #loseAll(): void {
    const owned = this.deps.host.owned();
    this.deps.host.remove(owned);
    for (const tp of owned) this.#forget(tpKey(tp));
    this.#handedOut.clear();
    this.#lost.push(...owned);
    this.deps.host.notify();
  }

  #forget(key: string): void {
    this.#processed.delete(key);
    this.#committed.delete(key);
    this.#handedOut.delete(key);
  }

  #checkPollInterval(): void {
    const { clock, options, logger } = this.deps;
    if (this.#pollExpired || !this.#membership.joined) return;
    if (clock.now() - this.#lastPollMs <= options.maxPollIntervalMs) return;
    logger.warn('poll() not called within maxPollIntervalMs: leaving the group', {
      maxPollIntervalMs: options.maxPollIntervalMs,
    });
    this.#pollExpired = true;
    this.#loseAll();
    void this.#membership.leave();
  }

  #logCommitFailure(error: unknown): void {
    this.deps.logger.warn('offset commit failed', { error: FjordError.from(error).message });
  }
}
