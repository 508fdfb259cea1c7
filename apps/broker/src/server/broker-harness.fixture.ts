import { GRPC_CHANNEL_OPTIONS, loadFjordProto, type v1 } from '@fjord/protocol';
import { startGrpcServer, stopGrpcServer } from '@fjord/server-kit';
import * as grpc from '@grpc/grpc-js';
import { pino } from 'pino';
import { HostedReplicas, type ReplicaAssignment } from '../cluster/hosted-replicas.js';
import { BROKER_SETTINGS } from '../config/schema.js';
import { openTempStore, type TempStore } from '../log/temp-store.fixture.js';
import { brokerServiceBinding } from './broker-service.js';
import { PartitionResolver } from './partition-resolver.js';

/** A broker service in-process on 127.0.0.1:0 with a real gRPC client, no coordinator. */
export interface BrokerHarness {
  brokerId: number;
  /** The bound gRPC port on 127.0.0.1. */
  port: number;
  temp: TempStore;
  replicas: HostedReplicas;
  client: v1.BrokerServiceClient;
  /** How often the resolver asked for a metadata refresh. */
  refreshCount(): number;
  produce(request: v1.ProduceRequest): Promise<v1.ProduceResponse__Output>;
  fetch(request: v1.FetchRequest, options?: grpc.CallOptions): Promise<v1.FetchResponse__Output>;
  listOffsets(request: v1.ListOffsetsRequest): Promise<v1.ListOffsetsResponse__Output>;
  close(): Promise<void>;
}

/** Starts the harness with `assignments` applied directly. */
export async function startBrokerHarness(
  assignments: ReplicaAssignment[],
  options: { brokerId?: number; nowMs?: () => number } = {},
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
  const service = brokerServiceBinding(
    {
      brokerId,
      store: temp.store,
      replicas,
      resolver,
      logger,
      nowMs: options.nowMs ?? Date.now,
      shutdownSignal: shutdown.signal,
      maxAckWaitMs: defaults.maxAckWaitMs,
    },
    defaults.maxLookupRequestBytes,
  );
  const { server, port } = await startGrpcServer({ host: '127.0.0.1', port: 0, services: [service] });
  const Service = loadFjordProto().fjord.v1.BrokerService;
  const client = new Service(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), GRPC_CHANNEL_OPTIONS);
  const unary =
    <Req, Res>(method: (req: Req, options: grpc.CallOptions, cb: grpc.requestCallback<Res>) => unknown) =>
    (request: Req, callOptions: grpc.CallOptions = {}) =>
      new Promise<Res>((resolve, reject) => {
        method.call(client, request, callOptions, (error: grpc.ServiceError | null, response?: Res) =>
          error ? reject(error) : resolve(response!),
        );
      });
  return {
    brokerId,
    port,
    temp,
    replicas,
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
