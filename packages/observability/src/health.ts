import type * as grpc from '@grpc/grpc-js';
import { HealthImplementation, type ServingStatus } from 'grpc-health-check';

/** The status of a service in the gRPC health protocol (grpc.health.v1). */
export type HealthServingStatus = Extract<ServingStatus, 'SERVING' | 'NOT_SERVING'>;

/** The empty service name: by the protocol's convention, the whole server. */
export const OVERALL_SERVICE = '';

type ServerStreamingCall = grpc.ServerWritableStream<unknown, unknown>;

/**
 * The health of one server process, served over the standard gRPC health checking protocol
 * (`grpc.health.v1.Health`: Check, Watch, List; grpc-health-check's implementation) for the
 * overall service "" and each named service, which all move together:
 * NOT_SERVING while starting, SERVING once {@link setServing} is called (the process decides
 * when: storage open, registered, …), NOT_SERVING again from {@link shutdown} on.
 * The `/healthz` HTTP endpoint reads {@link serving}.
 */
export class HealthStatus {
  readonly #services: readonly string[];
  readonly #implementation: HealthImplementation;
  readonly #watches = new Set<ServerStreamingCall>();
  #status: HealthServingStatus = 'NOT_SERVING';
  #shutDown = false;

  /** @param services fully qualified gRPC service names, e.g. `fjord.v1.BrokerService`. */
  constructor(services: readonly string[]) {
    this.#services = [OVERALL_SERVICE, ...services];
    this.#implementation = new HealthImplementation(
      Object.fromEntries(this.#services.map((service) => [service, 'NOT_SERVING' as const])),
    );
  }

  /** The current status of every service. */
  get status(): HealthServingStatus {
    return this.#status;
  }

  /** True while SERVING. */
  get serving(): boolean {
    return this.#status === 'SERVING';
  }

  /** The service names reported, "" (overall) first. */
  get services(): readonly string[] {
    return this.#services;
  }

  /** Adds the health service to a gRPC server (before it is bound). */
  addToServer(server: grpc.Server): void {
    // Through a stand-in server, to keep track of Watch streams (see shutdown()).
    this.#implementation.addToServer({
      addService: (definition, implementation) => {
        const watch = implementation.watch as (call: ServerStreamingCall) => void;
        server.addService(definition as grpc.ServiceDefinition, {
          ...implementation,
          watch: (call: ServerStreamingCall) => {
            if (this.#shutDown) {
              // A watch opened while draining would keep the drain waiting for nothing.
              call.write({ status: 'NOT_SERVING' });
              call.end();
              return;
            }
            this.#watches.add(call);
            const forget = () => this.#watches.delete(call);
            call.on('cancelled', forget);
            call.on('finish', forget);
            call.on('close', forget);
            watch(call);
          },
        });
      },
    });
  }

  /** Reports SERVING (ignored once {@link shutdown} was called). */
  setServing(): void {
    if (!this.#shutDown) this.#set('SERVING');
  }

  /** Reports NOT_SERVING, e.g. while a dependency is down; {@link setServing} may follow (ignored once shut down). */
  setNotServing(): void {
    if (!this.#shutDown) this.#set('NOT_SERVING');
  }

  /**
   * Reports NOT_SERVING for good, as the first step of shutting down (load balancers and
   * orchestrators stop sending new work while in-flight work drains), and ends every Watch
   * stream after telling it so: open streams would otherwise hold the gRPC server's graceful
   * drain until its deadline.
   */
  shutdown(): void {
    // Only once: the library would write to the streams ended here on a later status change.
    if (this.#shutDown) return;
    this.#shutDown = true;
    this.#set('NOT_SERVING');
    for (const call of this.#watches) call.end();
    this.#watches.clear();
  }

  #set(status: HealthServingStatus): void {
    this.#status = status;
    for (const service of this.#services) this.#implementation.setStatus(service, status);
  }
}
