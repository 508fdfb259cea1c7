import * as grpc from '@grpc/grpc-js';
import { service as healthService } from 'grpc-health-check';

/** A status as a health client sees it (Watch also reports SERVICE_UNKNOWN). */
export type ObservedHealthStatus = 'UNKNOWN' | 'SERVING' | 'NOT_SERVING' | 'SERVICE_UNKNOWN';

/** A running Watch: the statuses seen so far, in order, and how the stream ended. */
export interface HealthWatch {
  /** Every status the server sent, in order. */
  readonly statuses: readonly ObservedHealthStatus[];
  /** Resolves when the stream ends: with null on a clean end, else the gRPC error. */
  readonly ended: Promise<grpc.ServiceError | null>;
  /** Resolves with the first status (from now on) that `predicate` accepts; rejects if the stream ends first. */
  next(predicate: (status: ObservedHealthStatus) => boolean): Promise<ObservedHealthStatus>;
  /** Cancels the stream. */
  cancel(): void;
}

interface HealthResponse {
  status: ObservedHealthStatus;
}

type RawClient = grpc.Client & {
  check(
    request: { service: string },
    options: grpc.CallOptions,
    callback: (error: grpc.ServiceError | null, response?: HealthResponse) => void,
  ): grpc.ClientUnaryCall;
  watch(request: { service: string }): grpc.ClientReadableStream<HealthResponse>;
};

const HealthClientConstructor = grpc.makeGenericClientConstructor(
  healthService as unknown as grpc.ServiceDefinition,
  'Health',
) as unknown as new (
  address: string,
  credentials: grpc.ChannelCredentials,
) => RawClient;

/**
 * A client of the standard gRPC health service (`grpc.health.v1.Health`), as probes and
 * tests use it: `check(service)` and `watch(service)`.
 */
export class HealthClient {
  readonly #client: RawClient;

  /** @param address `host:port` of the gRPC server. */
  constructor(address: string) {
    this.#client = new HealthClientConstructor(address, grpc.credentials.createInsecure());
  }

  /** One Check call; rejects with the gRPC error (NOT_FOUND for a service the server does not know). */
  check(service = '', timeoutMs = 5_000): Promise<ObservedHealthStatus> {
    return new Promise((resolve, reject) => {
      this.#client.check({ service }, { deadline: Date.now() + timeoutMs }, (error, response) => {
        if (error || !response) reject(error ?? new Error('empty health response'));
        else resolve(response.status);
      });
    });
  }

  /** Opens a Watch stream and records every status it delivers. */
  watch(service = ''): HealthWatch {
    const call = this.#client.watch({ service });
    const statuses: ObservedHealthStatus[] = [];
    const waiters = new Set<{
      predicate: (status: ObservedHealthStatus) => boolean;
      resolve: (status: ObservedHealthStatus) => void;
    }>();
    call.on('data', (response: HealthResponse) => {
      statuses.push(response.status);
      for (const waiter of [...waiters]) {
        if (waiter.predicate(response.status)) {
          waiters.delete(waiter);
          waiter.resolve(response.status);
        }
      }
    });
    const ended = new Promise<grpc.ServiceError | null>((resolve) => {
      call.on('error', (error: grpc.ServiceError) => resolve(error));
      call.on('status', (status: grpc.StatusObject) => {
        if (status.code === grpc.status.OK) resolve(null);
      });
    });
    return {
      statuses,
      ended,
      next(predicate) {
        return new Promise((resolve, reject) => {
          waiters.add({ predicate, resolve });
          void ended.then((error) => {
            reject(new Error(`health watch ended (${error?.message ?? 'OK'}); saw ${statuses.join(' -> ')}`));
          });
        });
      },
      cancel: () => call.cancel(),
    };
  }

  /** Closes the channel. */
  close(): void {
    this.#client.close();
  }
}
