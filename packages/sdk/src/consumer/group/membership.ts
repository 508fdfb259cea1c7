import { randomUUID } from 'node:crypto';
import { ErrorCode } from '@fjord/protocol';
import type { Cluster } from '../../cluster/metadata.js';
import { AuthenticationError, AuthorizationError, FjordError, protocolError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import type { Clock } from '../../retry.js';
import { type TopicPartition, tpKey } from '../../topic-partition.js';
import { fromWire, sendHeartbeat, toWire } from './group-client.js';

/** What a member subscribes to: topic names or one regex. */
export type Subscription = { topics: string[] } | { regex: RegExp };

export interface MembershipOptions {
  cluster: Cluster;
  logger: Logger;
  clock: Clock;
  groupId: string;
  groupInstanceId: string | undefined;
  sessionTimeoutMs: number;
  maxPollIntervalMs: number;
  assignor: string;
  /** Called when the coordinator's answer asks for a change of owned partitions. */
  onTarget: () => void;
  /** Called when the member lost its partitions (fenced, removed, session lost): drop, don't commit. */
  onLost: () => void;
  /** Called with an error the application must see (e.g. an invalid subscription). */
  onFatal: (error: FjordError) => void;
}

/**
 * The member's side of the KIP-848 group protocol: a heartbeat loop that joins, reports the
 * partitions the consumer owns and receives the target assignment. It never changes what the
 * consumer owns by itself: the consumer reconciles in poll() (where the application is not
 * processing) and tells it the result through {@link setOwned}.
 *
 * Heartbeats are long-polls: the coordinator holds one that brings nothing new for up to the
 * heartbeat interval and answers as soon as this member's assignment changes, so a settled
 * member hears of a rebalance within a round trip. One heartbeat is in flight at a time, at
 * most one per interval (counted from when it was sent); when the member has news (a new
 * subscription, a confirmed revocation, leaving) the held one is cancelled and the news goes
 * out at once.
 */
export class Membership {
  readonly memberId = randomUUID();
  #epoch = 0;
  #target: TopicPartition[] | undefined;
  #owned: TopicPartition[] = [];
  #subscription: Subscription | undefined;
  #intervalMs = 500;
  #timer: NodeJS.Timeout | undefined;
  #inFlight: Promise<void> | undefined;
  // Cancels the heartbeat in flight (it may be held by the coordinator).
  #cancelInFlight: AbortController | undefined;
  #again = false;
  #stopped = false;
  #lastSuccessMs: number;

  constructor(private readonly o: MembershipOptions) {
    this.#lastSuccessMs = o.clock.now();
  }

  /** The current member epoch (0 while joining). */
  get epoch(): number {
    return this.#epoch;
  }

  /** True once the member has an epoch (commits are possible). */
  get joined(): boolean {
    return this.#epoch > 0;
  }

  /** The latest assignment from the coordinator, undefined before the first answer. */
  get target(): TopicPartition[] | undefined {
    return this.#target;
  }

  /** Starts (or changes) the subscription and heartbeats at once. */
  subscribe(subscription: Subscription): void {
    this.#subscription = subscription;
    this.#stopped = false;
    this.beatNow();
  }

  /** What the consumer owns now (after revoking or taking partitions). */
  setOwned(owned: readonly TopicPartition[]): void {
    this.#owned = [...owned];
  }

  /** Sends a heartbeat now; one in flight (possibly held by the coordinator) is cancelled first. */
  beatNow(): void {
    if (this.#stopped || !this.#subscription) return;
    if (this.#inFlight) {
      this.#again = true;
      this.#cancelInFlight?.abort();
      return;
    }
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    const sentAtMs = this.o.clock.now();
    this.#inFlight = this.#beat().finally(() => {
      this.#inFlight = undefined;
      if (this.#stopped) return;
      if (this.#again) {
        this.#again = false;
        this.beatNow();
      } else {
        // A held answer used up the interval already: the next long-poll goes out at once.
        const waitMs = Math.max(0, sentAtMs + this.#intervalMs - this.o.clock.now());
        this.#timer = setTimeout(() => this.beatNow(), waitMs);
        this.#timer.unref();
      }
    });
  }

  /** Forgets the membership (after the poll interval expired or a fence): next join is fresh. */
  reset(): void {
    this.#epoch = 0;
    this.#target = undefined;
    this.#owned = [];
  }

  /**
   * Leaves the group: epoch -1, or -2 for a static member (its partitions wait one session
   * timeout for it to come back). Stops the heartbeat loop.
   */
  async leave(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    // A held heartbeat would delay the leave (and the handover) by up to an interval.
    this.#cancelInFlight?.abort();
    await this.#inFlight?.catch(() => undefined);
    if (!this.#subscription) return;
    const epoch = this.o.groupInstanceId === undefined ? -1 : -2;
    try {
      const response = await sendHeartbeat(this.o.cluster, this.#request(epoch));
      if (response.errorCode !== ErrorCode.NONE) {
        this.o.logger.debug('leave group answered with an error', { error: response.errorMessage });
      }
    } catch (error) {
      this.o.logger.warn('could not leave the group; the coordinator will time the member out', {
        error: (error as Error).message,
      });
    }
    this.reset();
  }

  /** Stops heartbeating without leaving (the poll interval expired: leave() was sent already). */
  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#cancelInFlight?.abort();
  }

  #request(epoch: number, maxWaitMs = 0) {
    const subscription = this.#subscription!;
    return {
      groupId: this.o.groupId,
      memberId: this.memberId,
      memberEpoch: epoch,
      instanceId: this.o.groupInstanceId ?? '',
      rebalanceTimeoutMs: this.o.maxPollIntervalMs,
      sessionTimeoutMs: this.o.sessionTimeoutMs,
      subscribedTopicNames: 'topics' in subscription ? subscription.topics : [],
      subscribedTopicRegex: 'regex' in subscription ? subscription.regex.source : '',
      serverAssignor: this.o.assignor,
      ownedPartitions: toWire(this.#owned),
      maxWaitMs,
    };
  }

  async #beat(): Promise<void> {
    const { clock, logger } = this.o;
    const cancel = new AbortController();
    this.#cancelInFlight = cancel;
    try {
      // Joining (epoch 0) always brings news, so only a member with an epoch long-polls; a
      // held call must end well inside the request deadline.
      const maxWaitMs =
        this.#epoch > 0 ? Math.min(this.#intervalMs, Math.floor(this.o.cluster.requestTimeoutMs / 2)) : 0;
      const response = await sendHeartbeat(
        this.o.cluster,
        this.#request(this.#epoch, maxWaitMs),
        cancel.signal,
      );
      if (this.#stopped) return;
      if (response.errorCode === ErrorCode.NONE) {
        this.#lastSuccessMs = clock.now();
        if (response.heartbeatIntervalMs > 0) this.#intervalMs = response.heartbeatIntervalMs;
        this.#epoch = response.memberEpoch;
        const target = fromWire(response.assignment);
        const changed = key(target) !== key(this.#target ?? []) || key(target) !== key(this.#owned);
        this.#target = target;
        if (changed) this.o.onTarget();
        return;
      }
      if (
        response.errorCode === ErrorCode.FENCED_MEMBER_EPOCH ||
        response.errorCode === ErrorCode.UNKNOWN_MEMBER_ID ||
        response.errorCode === ErrorCode.STALE_MEMBER_EPOCH
      ) {
        logger.warn('group member fenced; rejoining', {
          groupId: this.o.groupId,
          error: response.errorMessage,
        });
        this.#lose();
        this.#again = true;
        return;
      }
      this.o.onFatal(protocolError(response.errorCode, response.errorMessage));
      this.#stopped = true;
    } catch (error) {
      const failure = FjordError.from(error);
      // Cancelled on purpose (news to send, or leaving): not a failure of the coordinator.
      if (this.#stopped || cancel.signal.aborted) return;
      // A refusal that retrying cannot change (GROUP_AUTHORIZATION_FAILED, a failed login) ends
      // the membership as a fatal answer does, so poll() throws it instead of returning nothing.
      if (failure instanceof AuthorizationError || failure instanceof AuthenticationError) {
        this.o.onFatal(failure);
        this.#stopped = true;
        return;
      }
      logger.debug('group heartbeat failed', { error: failure.message });
      // Without a heartbeat for a whole session the coordinator has removed us: the
      // partitions may belong to someone else already, so stop using them.
      if (this.#epoch > 0 && clock.now() - this.#lastSuccessMs >= this.o.sessionTimeoutMs) {
        logger.warn('group session lost; rejoining', { groupId: this.o.groupId });
        this.#lose();
      }
    } finally {
      if (this.#cancelInFlight === cancel) this.#cancelInFlight = undefined;
    }
  }

  #lose(): void {
    this.reset();
    this.o.onLost();
  }
}

function key(list: readonly TopicPartition[]): string {
  return list.map(tpKey).sort().join(',');
}
