import type { ChannelSecurity } from '@fjord/protocol';
import { nodeChannelSecurity, nodeClientSecurity, type SecurityConfig } from '@fjord/server-kit';

/**
 * How this broker dials every other node (its coordinator link and its replica fetchers share
 * it): `--security-inter-broker-protocol` with the node's certificate files (one watcher,
 * re-read every `--ssl-reload-interval-ms`) and SASL login.
 */
export function brokerChannelSecurity(config: SecurityConfig): ChannelSecurity {
  return nodeChannelSecurity(nodeClientSecurity(config), { reloadIntervalMs: config.sslReloadIntervalMs });
}
