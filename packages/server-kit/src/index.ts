// @fjord/server-kit: what both Fjord server processes are built from, so that each part of a
// server's plumbing exists once: configuration, the gRPC server, the request adapter, the
// logger, periodic jobs, the teardown stack, and running until a signal.

export {
  DEFAULT_MAX_CONCURRENT_STREAMS,
  type GrpcServerLimits,
  grpcLimitSettings,
} from './config/grpc-limits.js';
export { type HelpTextOptions, helpText, type SettingHelp, settingHelp } from './config/help-text.js';
export {
  CONFIG_FILE_ENV,
  type ConfigResult,
  type LoadConfigOptions,
  loadConfig,
} from './config/load-config.js';
export { envName, flagName, keyOfFlag } from './config/names.js';
export { DEFAULT_GRPC_PORT, DEFAULT_HOST, DEFAULT_METRICS_PORT } from './config/network-defaults.js';
export {
  bindHost,
  durationMs,
  hostPort,
  hostPortList,
  int,
  logLevel,
  nonEmpty,
  port,
} from './config/settings.js';
export { EXIT_BAD_CONFIG, type SettleOptions, settleConfig } from './config/settle.js';
export { boundListenerAddresses } from './grpc/bound-listeners.js';
export { callCancellation } from './grpc/call-cancellation.js';
export { LISTENER_METADATA_KEY, listenerOfCall } from './grpc/call-listener.js';
export { GrpcClientPool, type GrpcClientPoolOptions } from './grpc/client-pool.js';
export {
  type GrpcListenerBinding,
  type GrpcServiceBinding,
  grpcAddress,
  type RunningGrpcServer,
  SHUTDOWN_GRACE_MS,
  type StartGrpcServerOptions,
  startGrpcServer,
  stopGrpcServer,
} from './grpc/grpc-server.js';
export { InvalidRequestError } from './grpc/invalid-request-error.js';
export { guardedDefinition, guardedDeserializer, RefusedRequest } from './grpc/request-guard.js';
export {
  type RequestHandler,
  type RequestHandlersOf,
  unaryHandler,
  unaryHandlers,
} from './grpc/unary-handler.js';
export {
  type ObservabilitySettings,
  type RunningObservability,
  startObservability,
} from './lifecycle/observability-server.js';
export { type RunServerOptions, runServer, type StoppableServer } from './lifecycle/run-server.js';
export { ScheduledJob, type ScheduledJobOptions } from './lifecycle/scheduled-job.js';
export { type LifecycleLogger, type ServeOptions, serveUntilSignal } from './lifecycle/serve.js';
export { startWithTeardown, Teardown } from './lifecycle/teardown.js';
export { type AdvertisedEndpoint, advertisedEndpoints } from './listeners/advertised-endpoints.js';
export {
  DEFAULT_LISTENER_NAME,
  type ListenerAddress,
  parseListenerList,
  parseSecurityProtocolMap,
  SECURITY_PROTOCOLS,
  type SecurityProtocol,
  SUPPORTED_SECURITY_PROTOCOLS,
} from './listeners/listener-address.js';
export {
  advertisedListenerList,
  bindListenerList,
  reportListenerProblems,
  securityProtocolMap,
} from './listeners/listener-settings.js';
export {
  type Listener,
  type ListenerProblem,
  type ListenerShorthand,
  type ResolveListenersOptions,
  resolveListeners,
} from './listeners/resolve-listeners.js';
export {
  createLogger,
  type ErrorLogger,
  LOG_LEVELS,
  type Logger,
  type LoggerOptions,
  type LogLevel,
} from './logger.js';
