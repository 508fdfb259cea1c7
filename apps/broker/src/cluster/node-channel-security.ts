import { type ChannelSecurity, nodeChannelSecurity } from '@fjord/protocol';
import { nodeClientSecurity, type SecurityConfig } from '@fjord/server-kit';

/**
 * How this broker dials every other node (its coordinator link and its replica fetchers share
 * it): `--security-inter-broker-protocol` with the node's certificate files and SASL login.
 * The server kit resolves the settings; the channel security of @fjord/protocol takes them in
 * its own shape (file paths named `*File`, the password revealed only here).
 */
export function brokerChannelSecurity(config: SecurityConfig): ChannelSecurity {
  const { protocol, tls, sasl } = nodeClientSecurity(config);
  return nodeChannelSecurity({
    protocol,
    ...(tls && { tls: { caFile: tls.ca, certFile: tls.cert, keyFile: tls.key } }),
    ...(sasl && {
      sasl: { mechanism: sasl.mechanism, username: sasl.username, password: sasl.password.reveal() },
    }),
  });
}
