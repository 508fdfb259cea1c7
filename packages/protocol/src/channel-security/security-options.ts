/** A PEM value given as its text or its bytes; never a path (as in KafkaJS and Node's `tls`). */
export type PemValue = string | Buffer;

/**
 * TLS of a client channel, with KafkaJS's `ssl` names. `true` means TLS with the system's
 * certificate authorities and no client certificate.
 */
export interface SslOptions {
  /** CA certificates to trust instead of the system's (one PEM, or several). */
  ca?: PemValue | PemValue[];
  /** This client's certificate chain, for listeners that ask for client certificates. */
  cert?: PemValue;
  /** The private key of `cert`. */
  key?: PemValue;
  /**
   * `false` accepts any server certificate (no chain or host name check): for tests against
   * self-signed servers only, as it gives up authenticating the server. Default `true`.
   */
  rejectUnauthorized?: boolean;
  /** The name to expect in the server's certificate (and send as SNI) instead of the dialled host. */
  servername?: string;
}

/** SASL mechanisms a client can log in with, in KafkaJS's spelling. */
export const SASL_CLIENT_MECHANISMS = ['scram-sha-256', 'scram-sha-512', 'plain'] as const;
export type SaslClientMechanism = (typeof SASL_CLIENT_MECHANISMS)[number];

/** SASL login of a client channel, with KafkaJS's `sasl` names. */
export interface SaslOptions {
  mechanism: SaslClientMechanism;
  username: string;
  password: string;
}

/**
 * TLS from PEM files, as servers dial their peers: the node's own certificate chain and key
 * (presented to peers that require client certificates) and the CA bundle it checks peers
 * against. The files are re-read while a channel uses them, so rotated files take effect on
 * the next connection.
 */
export interface TlsFiles {
  caFile: string;
  certFile?: string;
  keyFile?: string;
  /** How often the files are re-read while in use (default `TLS_FILE_REFRESH_INTERVAL_MS`). */
  refreshIntervalMs?: number;
}

/** How a channel is secured: TLS (in memory or from files) and/or a SASL login per channel. */
export interface ChannelSecurityOptions {
  ssl?: boolean | SslOptions | undefined;
  /** TLS from files (node to node); exclusive with `ssl`. */
  tlsFiles?: TlsFiles | undefined;
  sasl?: SaslOptions | undefined;
}
