import {
  ChannelSecurity,
  CoordinatorQuorum,
  classifyCoordinatorGrpcError,
  GRPC_CHANNEL_OPTIONS,
  loadFjordProto,
  type SecuredChannel,
  type v1,
} from '@fjord/protocol';
import { type NodeClientSecurity, nodeChannelSecurity } from '@fjord/server-kit';
import type { Logger } from 'pino';

/** The coordinator services a broker calls on one coordinator address, over one channel. */
export interface CoordinatorServices {
  cluster: v1.CoordinatorServiceClient;
  producerIds: v1.ProducerIdServiceClient;
  groups: v1.GroupCoordinatorServiceClient;
  security: v1.SecurityServiceClient;
}

interface CoordinatorChannel extends CoordinatorServices {
  secured: SecuredChannel;
}

/**
 * Reconnect backoff of the channel to each coordinator. A voter restarted after a crash may be
 * the next leader: while its channel backs off, every call to it fails at once (grpc-js fails
 * calls fast in TRANSIENT_FAILURE), so a long backoff (it was 250 ms doubling to 2 s) kept a
 * broker from its new leader for up to that long after the voter was back. Local reconnects
 * are cheap; the ceiling is below one heartbeat round of the broker.
 */
const COORDINATOR_RECONNECT_BACKOFF = {
  'grpc.initial_reconnect_backoff_ms': 50,
  'grpc.max_reconnect_backoff_ms': 500,
} as const;

/** Deadline of a DescribeQuorum sent to find the leader: a stopped voter must not hold the broker up. */
const DESCRIBE_QUORUM_TIMEOUT_MS = 3_000;

/**
 * The broker's link to the coordinator quorum: one channel per coordinator address, and the
 * {@link CoordinatorQuorum} that sends each call to the leader and follows it when it moves
 * (NOT_COORDINATOR hints, unreachable voters). Registration, heartbeats, AlterPartition,
 * ControlledShutdown, the security state copy and the Kafka listener's forwarded calls all
 * go through it, so they follow the same leader. Reconnect backoff is kept short
 * ({@link COORDINATOR_RECONNECT_BACKOFF}; grpc-js would back off for up to two minutes).
 */
export class CoordinatorLink {
  readonly quorum: CoordinatorQuorum;
  readonly #services = new Map<string, CoordinatorChannel>();
  readonly #security: ChannelSecurity;
  #closed = false;

  /**
   * `security`: how this broker dials the coordinators (`--security-inter-broker-protocol`
   * and its TLS files and SASL user); PLAINTEXT by default.
   */
  constructor(
    addresses: readonly string[],
    logger?: Logger,
    security?: NodeClientSecurity | ChannelSecurity,
  ) {
    this.#security = security instanceof ChannelSecurity ? security : nodeChannelSecurity(security);
    this.quorum = new CoordinatorQuorum({
      bootstrap: addresses,
      describe: (address) =>
        new Promise((resolve, reject) => {
          this.services(address).cluster.describeQuorum(
            {},
            { deadline: Date.now() + DESCRIBE_QUORUM_TIMEOUT_MS },
            (error, response) =>
              error || !response ? reject(error ?? new Error('empty response')) : resolve(response),
          );
        }),
      onLeaderChange: (leader, previous) =>
        logger?.info({ leader: leader ?? 'unknown', previous: previous ?? 'unknown' }, 'coordinator leader'),
    });
  }

  /**
   * Runs `call` against the quorum leader (see {@link CoordinatorQuorum.call}); when no leader
   * answers it rejects with the last gRPC error, which the caller handles as it handled an
   * unreachable coordinator before.
   */
  call<T>(call: (services: CoordinatorServices) => Promise<T>): Promise<T> {
    return this.quorum.call((address) => call(this.services(address)), {
      classify: classifyCoordinatorGrpcError,
    });
  }

  /** The service clients of one coordinator address (created on first use). */
  services(address: string): CoordinatorServices {
    if (this.#closed) throw new Error('the coordinator link is closed');
    let services = this.#services.get(address);
    if (!services) {
      const proto = loadFjordProto().fjord.v1;
      const secured = this.#security.open(address, {
        ...GRPC_CHANNEL_OPTIONS,
        ...COORDINATOR_RECONNECT_BACKOFF,
      });
      const { credentials, clientOptions } = secured;
      services = {
        cluster: new proto.CoordinatorService(address, credentials, clientOptions),
        producerIds: new proto.ProducerIdService(address, credentials, clientOptions),
        groups: new proto.GroupCoordinatorService(address, credentials, clientOptions),
        security: new proto.SecurityService(address, credentials, clientOptions),
        secured,
      };
      this.#services.set(address, services);
    }
    return services;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const { secured } of this.#services.values()) secured.close();
    this.#services.clear();
  }
}
