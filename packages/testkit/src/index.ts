// @fjord/testkit: real Fjord clusters (coordinator and brokers as child processes) for tests.

export { type AppKind, appEntry } from './app-entries.js';
export {
  Cluster,
  type ClusterOptions,
  type LogLevel,
  startCluster,
  type WaitForBrokersOptions,
} from './cluster.js';
export { type ClusterDescription, CoordinatorClient, type QuorumDescription } from './coordinator-client.js';
export { freePorts } from './free-ports.js';
export { type LogEvent, parseLogLine } from './log-lines.js';
export { randomName } from './names.js';
export { type LinkEnd, linkEndName, NetworkLinks, type NodePids } from './network-links.js';
export {
  type ExitInfo,
  type NodeHandle,
  type NodeOptions,
  NodeProcess,
  type ReadyEvent,
  type WaitForLogOptions,
} from './node-process.js';
export { QuorumLinks } from './quorum-links.js';
export { killAllTrackedChildren, trackedChildCount } from './registry.js';
export {
  ADMIN_USER,
  type CertificateFiles,
  CLIENT_LISTENER,
  ClusterSecurity,
  INTERNAL_LISTENER,
  NODE_PRINCIPAL_MAPPING_RULES,
  type SaslMechanismName,
  type ScramLogin,
  type SecureClientOptions,
  type SecureClusterOptions,
  TESTKIT_PRINCIPAL_NAME,
} from './secure-cluster.js';
export { type AclBindingSpec, type AclFilterSpec, SecurityAdminClient } from './security-admin-client.js';
export { loopbackSocketOwner } from './socket-owner.js';
export { TcpProxy, type TcpProxyOptions } from './tcp-proxy.js';
export { sleep, type WaitForOptions, waitFor } from './wait-for.js';
