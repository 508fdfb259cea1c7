import type { NodeClientSecurity as PeerChannelSecurity } from '@fjord/protocol';
import type { NodeClientSecurity } from '@fjord/server-kit';

/**
 * How this coordinator dials its peers (the other voters, the brokers), in the form its client
 * pools take. The server kit's settings and @fjord/protocol's channel security each define a
 * NodeClientSecurity (file fields named `ca`/`cert`/`key` there, `caFile`/`certFile`/`keyFile`
 * here; the password a Secret there, a string here): this is the one place that converts.
 */
export function peerChannelSecurity(security: NodeClientSecurity): PeerChannelSecurity {
  return {
    protocol: security.protocol,
    ...(security.tls
      ? { tls: { caFile: security.tls.ca, certFile: security.tls.cert, keyFile: security.tls.key } }
      : {}),
    ...(security.sasl
      ? {
          sasl: {
            mechanism: security.sasl.mechanism,
            username: security.sasl.username,
            password: security.sasl.password.reveal(),
          },
        }
      : {}),
  };
}
