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
export { REDACTED, Secret, secret } from './config/secret.js';
export {
  isSecretSetting,
  markSetting,
  type SettingTraits,
  settingTraits,
} from './config/setting-meta.js';
export {
  bindHost,
  bool,
  durationMs,
  hostPort,
  hostPortList,
  int,
  logLevel,
  nonEmpty,
  port,
} from './config/settings.js';
export { EXIT_BAD_CONFIG, type SettleOptions, settleConfig } from './config/settle.js';
export { MAX_SASL_MESSAGE_BYTES, SASL_EXCHANGE_TIMEOUT_MS } from './grpc/authenticate-service.js';
export { authorizeCallMessage } from './grpc/authorization-gate.js';
export { boundListenerAddresses } from './grpc/bound-listeners.js';
export { callCancellation } from './grpc/call-cancellation.js';
export { LISTENER_METADATA_KEY, listenerOfCall } from './grpc/call-listener.js';
export {
  AUTHENTICATE_PATH,
  AUTHORIZATION_METADATA_KEY,
  authorizationOfCall,
  type CallAuthorization,
  type CallCaller,
  callerOfCall,
  REAUTHENTICATE_METADATA_KEY,
} from './grpc/call-security.js';
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
export { nodeChannelSecurity } from './grpc/node-channel-security.js';
export { guardedDefinition, guardedDeserializer, RefusedRequest } from './grpc/request-guard.js';
export {
  type RequestHandler,
  type RequestHandlersOf,
  requestFailureStatus,
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
  usesSasl,
  usesTls,
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
export { addScramSetting, parseAddScram, type ScramUserToAdd } from './security/add-scram.js';
export {
  authorizerOptions,
  nodeClientSecurity,
  type ResolveSecurityOptions,
  resolveSecurityConfig,
  type SecurityConfig,
  type ServerSecurityOptions,
  serverSecurity,
} from './security/security-config.js';
export {
  AUTHORIZERS,
  type AuthorizerKind,
  DEFAULT_INTER_BROKER_SASL_MECHANISM,
  DEFAULT_SSL_RELOAD_INTERVAL_MS,
  SECURITY_SETTINGS,
  type SecuritySettings,
  SSL_CLIENT_AUTH,
  type SslClientAuth,
} from './security/security-settings.js';
export type {
  GrpcServerSecurity,
  NodeClientSecurity,
  SecurityStateSource,
  TlsFiles,
} from './security/server-security.js';
export {
  certificateProviderOf,
  readTlsMaterial,
  TLS_RELOAD_WARNING_CODE,
  TlsFileWatcher,
  type TlsFileWatcherOptions,
  type TlsMaterial,
} from './security/tls-file-watcher.js';
export {
  grpcServerCredentials,
  principalOfTlsSocket,
  reloadTlsServer,
  tlsServerOptions,
} from './security/tls-files.js';
