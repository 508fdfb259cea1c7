import { ChannelSecurity, SASL_CLIENT_MECHANISMS, type SaslClientMechanism } from '@fjord/protocol';
import { usesSasl, usesTls } from '../listeners/listener-address.js';
import type { NodeClientSecurity } from '../security/server-security.js';
import {
  certificateProviderOf,
  TlsFileWatcher,
  type TlsFileWatcherOptions,
} from '../security/tls-file-watcher.js';

/**
 * The {@link ChannelSecurity} a node dials its peers with, from its
 * `--security-inter-broker-protocol` and companions ({@link NodeClientSecurity}, built by
 * `nodeClientSecurity(config)`). Over SSL/SASL_SSL it presents the node's own certificate and
 * checks the peer against the CA file; the files are read now (unusable ones are refused with
 * their names) and watched by a {@link TlsFileWatcher}, so rotated files apply to the next
 * connection and a half-written rotation keeps the last good set. Over SASL_* every channel
 * logs in as the inter-broker user. PLAINTEXT (or nothing) gives plaintext channels.
 */
export function nodeChannelSecurity(
  security: NodeClientSecurity | undefined,
  options: TlsFileWatcherOptions = {},
): ChannelSecurity {
  if (!security || security.protocol === 'PLAINTEXT') return ChannelSecurity.PLAINTEXT;
  const { protocol, tls, sasl } = security;
  const withTls = usesTls(protocol);
  const withSasl = usesSasl(protocol);
  if (withTls && !tls) {
    throw new Error(
      `inter-broker protocol ${protocol} needs --ssl-ca-file, --ssl-certificate-file and --ssl-key-file`,
    );
  }
  if (withSasl && !sasl) {
    throw new Error(
      `inter-broker protocol ${protocol} needs --inter-broker-sasl-username and --inter-broker-sasl-password`,
    );
  }
  let tlsProviders: ConstructorParameters<typeof ChannelSecurity>[0]['tlsProviders'];
  if (withTls && tls) {
    const provider = certificateProviderOf(
      new TlsFileWatcher({ certificateFile: tls.cert, keyFile: tls.key, caFile: tls.ca }, options),
    );
    tlsProviders = { ca: provider, identity: provider };
  }
  let login: { mechanism: SaslClientMechanism; username: string; password: string } | undefined;
  if (withSasl && sasl) {
    const mechanism = sasl.mechanism.toLowerCase() as SaslClientMechanism;
    if (!SASL_CLIENT_MECHANISMS.includes(mechanism)) {
      throw new Error(`--inter-broker-sasl-mechanism ${sasl.mechanism} cannot be used to log in`);
    }
    login = { mechanism, username: sasl.username, password: sasl.password.reveal() };
  }
  return new ChannelSecurity({ tlsProviders, sasl: login });
}
