import type { v1 } from '@fjord/protocol';
import { type AdvertisedEndpoint, grpcAddress, SECURITY_PROTOCOLS } from '@fjord/server-kit';

/** One voter's announced listeners, and what made them known. */
interface KnownEndpoints {
  incarnation: bigint;
  listeners: readonly AdvertisedEndpoint[];
}

/** What a {@link VoterEndpoints} book starts from. */
export interface VoterEndpointsOptions {
  /** This voter's id. */
  nodeId: number;
  /**
   * Every voter's id and its `--voters` address, this one included (asked each time: a lone
   * voter's address is known only once its listener is bound).
   */
  voters: () => readonly { id: number; address: string }[];
  /** When this process started (ms since the epoch), announced with its own endpoints. */
  incarnation: bigint;
}

/** Most listeners one announced voter may have; more is not a real deployment. */
const MAX_LISTENERS_PER_VOTER = 32;

const LISTENER_NAME = /^[A-Za-z0-9_-]+$/;

/**
 * Every voter's advertised endpoint per listener name, as this voter knows them (KIP-853's
 * voter endpoints, held in memory). Each voter announces its own listeners with every Raft
 * call it sends ({@link announcement}) together with what it heard of the others, so a
 * follower learns the other followers through the leader. What a voter says of itself always
 * replaces what this book holds of it (a restart with other addresses is picked up with its
 * first message); what a voter relays of a third one replaces it only when it is of a later
 * process start (`incarnation`).
 *
 * {@link addressOn} chooses the address a client is told; see there for the fallbacks.
 */
export class VoterEndpoints {
  readonly #options: VoterEndpointsOptions;
  readonly #voterIds: ReadonlySet<number>;
  readonly #known = new Map<number, KnownEndpoints>();
  /** The listener the `--voters` addresses are on; known once {@link setOwn} was called. */
  #quorumListener: string | undefined;

  constructor(options: VoterEndpointsOptions) {
    this.#options = options;
    this.#voterIds = new Set(options.voters().map((v) => v.id));
  }

  /**
   * This voter's own endpoints, once its listeners are bound (the ports are known then). They
   * also tell which listener the `--voters` addresses are on (the quorum listener): the one
   * whose advertised address is this voter's own `--voters` address, else the first one (the
   * `--voters` address is then a proxy or a published port in front of it).
   */
  setOwn(listeners: readonly AdvertisedEndpoint[]): void {
    const own = this.#options.voters().find((v) => v.id === this.#options.nodeId)?.address;
    this.#quorumListener = (listeners.find((l) => grpcAddress(l.host, l.port) === own) ?? listeners[0])?.name;
    this.#known.set(this.#options.nodeId, {
      incarnation: this.#options.incarnation,
      listeners: listeners.map((l) => ({ ...l })),
    });
  }

  /** The announcements this voter sends with its Raft calls: its own first, then the others'. */
  announcement(): v1.VoterEndpoints[] {
    const own = this.#options.nodeId;
    const ids = [own, ...[...this.#known.keys()].filter((id) => id !== own).sort((a, b) => a - b)];
    return ids.flatMap((id) => {
      const known = this.#known.get(id);
      if (!known) return [];
      return [{ voterId: id, incarnation: String(known.incarnation), listeners: [...known.listeners] }];
    });
  }

  /**
   * Takes in what voter `from` announced. Entries about this voter, about ids that are not
   * voters, and malformed entries are ignored; returns the problems of those malformed, for
   * the caller to log.
   */
  learn(from: number, announced: readonly v1.VoterEndpoints__Output[]): string[] {
    const problems: string[] = [];
    for (const entry of announced) {
      if (entry.voterId === this.#options.nodeId || !this.#voterIds.has(entry.voterId)) continue;
      const problem = voterEndpointsProblem(entry);
      if (problem) {
        problems.push(problem);
        continue;
      }
      const incarnation = BigInt(entry.incarnation);
      const current = this.#known.get(entry.voterId);
      const fromItself = entry.voterId === from;
      if (!fromItself && current !== undefined && incarnation <= current.incarnation) continue;
      this.#known.set(entry.voterId, {
        incarnation,
        listeners: entry.listeners.map(({ name, host, port, securityProtocol }) => ({
          name,
          host: host.trim(),
          port,
          securityProtocol,
        })),
      });
    }
    return problems;
  }

  /** The listeners voter `id` announced (this voter's own once set), undefined while unknown. */
  listenersOf(id: number): readonly AdvertisedEndpoint[] | undefined {
    return this.#known.get(id)?.listeners;
  }

  /** The listener the `--voters` addresses are on (see {@link setOwn}); undefined before it. */
  get quorumListener(): string | undefined {
    return this.#quorumListener;
  }

  /**
   * The address (`host:port`) a client that came in on listener `listenerName` is told for
   * voter `id`:
   * - a call not through a named listener (undefined), or through the quorum listener (the one
   *   `--voters` addresses are on): the voter's `--voters` address, as configured (it may be a
   *   proxy or a published port that the announced address is not);
   * - another listener: the voter's announced endpoint of that name;
   * - undefined when the voter has no listener of that name, or has not been heard from since
   *   this process started (then DescribeQuorum gives an empty address and NOT_COORDINATOR no
   *   hint: a client of that listener could not use another listener's address).
   */
  addressOn(id: number, listenerName: string | undefined): string | undefined {
    const configured = this.#options.voters().find((v) => v.id === id)?.address;
    if (configured === undefined) return undefined;
    if (listenerName === undefined || listenerName === this.#quorumListener) return configured;
    const endpoint = this.#known.get(id)?.listeners.find((l) => l.name === listenerName);
    return endpoint === undefined ? undefined : grpcAddress(endpoint.host, endpoint.port);
  }
}

/** Why an announced voter entry is unusable, or undefined when it is fine. */
export function voterEndpointsProblem(entry: v1.VoterEndpoints__Output): string | undefined {
  const voter = `voter ${entry.voterId}`;
  if (!/^-?\d+$/.test(String(entry.incarnation))) {
    return `${voter}: incarnation must be an integer, got "${String(entry.incarnation)}"`;
  }
  if (entry.listeners.length > MAX_LISTENERS_PER_VOTER) {
    return `${voter}: announces ${entry.listeners.length} listeners, more than ${MAX_LISTENERS_PER_VOTER}`;
  }
  const names = new Set<string>();
  for (const { name, host, port, securityProtocol } of entry.listeners) {
    if (!LISTENER_NAME.test(name)) {
      return `${voter}: listener name must be letters, digits, "_" and "-", got "${name}"`;
    }
    if (names.has(name)) return `${voter}: listener ${name} is named twice`;
    names.add(name);
    if (host.trim() === '') return `${voter}: listener ${name} has an empty host`;
    if (!Number.isInteger(port) || port < 1 || port > 65_535) {
      return `${voter}: listener ${name} port must be between 1 and 65535, got ${port}`;
    }
    if (!(SECURITY_PROTOCOLS as readonly string[]).includes(securityProtocol)) {
      return `${voter}: listener ${name} has unknown security protocol "${securityProtocol}"`;
    }
  }
  return undefined;
}
