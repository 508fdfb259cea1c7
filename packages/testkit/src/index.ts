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
export { loopbackSocketOwner } from './socket-owner.js';
export { TcpProxy, type TcpProxyOptions } from './tcp-proxy.js';
export { sleep, type WaitForOptions, waitFor } from './wait-for.js';
