import { accessSync, constants } from 'node:fs';
import { ChannelSecurity } from './channel-security.js';
import { SASL_CLIENT_MECHANISMS, type SaslClientMechanism, type TlsFiles } from './security-options.js';

/**
 * Kafka's security protocols, as a node dials its peers. (The server kit's listener settings
 * hold the list of names; this is the same union, spelled out so the wire package needs no
 * server code.)
 */
export type PeerSecurityProtocol = 'PLAINTEXT' | 'SSL' | 'SASL_PLAINTEXT' | 'SASL_SSL';
const PEER_SECURITY_PROTOCOLS: readonly PeerSecurityProtocol[] = [
  'PLAINTEXT',
  'SSL',
  'SASL_PLAINTEXT',
  'SASL_SSL',
];

/**
 * How a node dials the other nodes (`--security-inter-broker-protocol` and the settings it
 * needs): over SSL and SASL_SSL it presents its own certificate and checks the peer against
 * its CA file; over SASL_* it logs in as the inter-broker user.
 */
export interface NodeClientSecurity {
  protocol: PeerSecurityProtocol;
  /** `--ssl-ca-file`, `--ssl-certificate-file`, `--ssl-key-file`; required over SSL and SASL_SSL. */
  tls?: { caFile: string; certFile: string; keyFile: string } | undefined;
  /**
   * `--inter-broker-sasl-mechanism` (Kafka's spelling `SCRAM-SHA-512`, or the SDK's
   * `scram-sha-512`), `--inter-broker-sasl-username`, `--inter-broker-sasl-password`;
   * required over SASL_PLAINTEXT and SASL_SSL.
   */
  sasl?: { mechanism: string; username: string; password: string } | undefined;
}

function readable(path: string, setting: string): void {
  try {
    accessSync(path, constants.R_OK);
  } catch (error) {
    throw new Error(`cannot read ${setting} ${path}: ${(error as NodeJS.ErrnoException).code ?? error}`);
  }
}

/**
 * The {@link ChannelSecurity} a node dials its peers with. Refuses, naming the setting, a
 * protocol whose TLS files or SASL user are missing, and TLS files it cannot read.
 */
export function nodeChannelSecurity(security: NodeClientSecurity | undefined): ChannelSecurity {
  if (!security || security.protocol === 'PLAINTEXT') return ChannelSecurity.PLAINTEXT;
  const { protocol } = security;
  if (!PEER_SECURITY_PROTOCOLS.includes(protocol)) {
    throw new Error(
      `unknown security protocol '${String(protocol)}' for dialling peers: expected one of ${PEER_SECURITY_PROTOCOLS.join(', ')}`,
    );
  }
  let tlsFiles: TlsFiles | undefined;
  if (protocol === 'SSL' || protocol === 'SASL_SSL') {
    const tls = security.tls;
    if (!tls) {
      throw new Error(
        `--security-inter-broker-protocol ${protocol} needs --ssl-ca-file, --ssl-certificate-file and --ssl-key-file`,
      );
    }
    readable(tls.caFile, '--ssl-ca-file');
    readable(tls.certFile, '--ssl-certificate-file');
    readable(tls.keyFile, '--ssl-key-file');
    tlsFiles = { caFile: tls.caFile, certFile: tls.certFile, keyFile: tls.keyFile };
  }
  let sasl: { mechanism: SaslClientMechanism; username: string; password: string } | undefined;
  if (protocol === 'SASL_PLAINTEXT' || protocol === 'SASL_SSL') {
    const given = security.sasl;
    if (!given?.username) {
      throw new Error(`--security-inter-broker-protocol ${protocol} needs --inter-broker-sasl-username`);
    }
    if (!given.password) {
      throw new Error(
        `--security-inter-broker-protocol ${protocol} needs --inter-broker-sasl-password (or FJORD_INTER_BROKER_SASL_PASSWORD)`,
      );
    }
    const mechanism = given.mechanism.toLowerCase() as SaslClientMechanism;
    if (!SASL_CLIENT_MECHANISMS.includes(mechanism)) {
      throw new Error(
        `unknown --inter-broker-sasl-mechanism '${given.mechanism}': expected one of SCRAM-SHA-256, SCRAM-SHA-512, PLAIN`,
      );
    }
    sasl = { mechanism, username: given.username, password: given.password };
  }
  return new ChannelSecurity({ tlsFiles, sasl });
}
