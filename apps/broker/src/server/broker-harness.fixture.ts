import { GRPC_CHANNEL_OPTIONS, loadFjordProto, type v1 } from '@fjord/protocol';
import { type GrpcServerSecurity, startGrpcServer, stopGrpcServer } from '@fjord/server-kit';
import * as grpc from '@grpc/grpc-js';
import { pino } from 'pino';
import { HostedReplicas, type ReplicaAssignment } from '../cluster/hosted-replicas.js';
import { BROKER_SETTINGS } from '../config/schema.js';
import { openTempStore, type TempStore } from '../log/temp-store.fixture.js';
import type { BrokerSecurityState } from '../security/broker-security-state.js';
import { brokerServiceBinding } from './broker-service.js';
import { CLIENT_ID_METADATA_KEY } from './grpc-call-access.js';
import { PartitionResolver } from './partition-resolver.js';
import type { BrokerServiceDeps } from './service-deps.js';

/** A broker service in-process on 127.0.0.1:0 with a real gRPC client, no coordinator. */
export interface BrokerHarness {
  brokerId: number;
  /** The bound gRPC port on 127.0.0.1. */
  port: number;
  temp: TempStore;
  replicas: HostedReplicas;
  /** What the handlers run with (to call them in-process, with a given CallAccess). */
  deps: BrokerServiceDeps;
  client: v1.BrokerServiceClient;
  /** How often the resolver asked for a metadata refresh. */
  refreshCount(): number;
  produce(request: v1.ProduceRequest, options?: HarnessCallOptions): Promise<v1.ProduceResponse__Output>;
  fetch(request: v1.FetchRequest, options?: HarnessCallOptions): Promise<v1.FetchResponse__Output>;
  listOffsets(request: v1.ListOffsetsRequest): Promise<v1.ListOffsetsResponse__Output>;
  close(): Promise<void>;
}

/** Call options of the harness's client, and the client id the SDK would send. */
export interface HarnessCallOptions extends grpc.CallOptions {
  clientId?: string;
}

/** Starts the harness with `assignments` applied directly. */
export async function startBrokerHarness(
  assignments: ReplicaAssignment[],
  options: {
    brokerId?: number;
    nowMs?: () => number;
    quotas?: BrokerServiceDeps['quotas'];
    /**
     * Serves one SSL listener with the server kit's security over this copy of the security
     * state (the harness's own client is then of no use: connect with TLS credentials).
     */
    security?: { state: BrokerSecurityState; server: GrpcServerSecurity };
  } = {},
): Promise<BrokerHarness> {
  const brokerId = options.brokerId ?? 1;
  const temp = await openTempStore();
  const logger = pino({ level: 'silent' });
  const replicas = new HostedReplicas(temp.store, logger);
  await replicas.apply(assignments);
  let refreshes = 0;
  const resolver = new PartitionResolver(brokerId, replicas, async () => {
    refreshes++;
    return true;
  });
  const shutdown = new AbortController();
  // The broker's defaults, from its settings schema.
  const defaults = BROKER_SETTINGS.pick({ maxAckWaitMs: true, maxLookupRequestBytes: true }).parse({});
  const deps: BrokerServiceDeps = {
    brokerId,
    store: temp.store,
    replicas,
    resolver,
    logger,
    nowMs: options.nowMs ?? Date.now,
    shutdownSignal: shutdown.signal,
    maxAckWaitMs: defaults.maxAckWaitMs,
    ...(options.quotas && { quotas: options.quotas }),
    ...(options.security && { security: options.security.state }),
  };
  const service = brokerServiceBinding(deps, defaults.maxLookupRequestBytes);
  const { server, port } = await startGrpcServer(
    options.security
      ? {
          listeners: [{ name: 'SSL', host: '127.0.0.1', port: 0, securityProtocol: 'SSL' }],
          services: [service],
          security: options.security.server,
        }
      : { host: '127.0.0.1', port: 0, services: [service] },
  );
  const Service = loadFjordProto().fjord.v1.BrokerService;
  const client = new Service(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), GRPC_CHANNEL_OPTIONS);
  const unary =
    <Req, Res>(
      method: (
        req: Req,
        metadata: grpc.Metadata,
        options: grpc.CallOptions,
        cb: grpc.requestCallback<Res>,
      ) => unknown,
    ) =>
    (request: Req, { clientId, ...callOptions }: HarnessCallOptions = {}) =>
      new Promise<Res>((resolve, reject) => {
        const metadata = new grpc.Metadata();
        if (clientId !== undefined) metadata.set(CLIENT_ID_METADATA_KEY, clientId);
        method.call(
          client,
          request,
          metadata,
          callOptions,
          (error: grpc.ServiceError | null, response?: Res) => (error ? reject(error) : resolve(response!)),
        );
      });
  return {
    brokerId,
    port,
    temp,
    replicas,
    deps,
    client,
    refreshCount: () => refreshes,
    produce: unary(client.produce),
    fetch: unary(client.fetch),
    listOffsets: unary(client.listOffsets),
    async close() {
      client.close();
      shutdown.abort();
      await stopGrpcServer(server, 1_000);
      await temp.cleanup();
    },
  };
}
