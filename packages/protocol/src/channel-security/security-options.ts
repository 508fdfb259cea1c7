import type * as grpc from '@grpc/grpc-js';

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
 * TLS whose certificates come from grpc-js certificate providers (a node's watched files: the
 * server kit's `TlsFileWatcher`), so a rotation applies to the next connection.
 */
export interface TlsCertificateProviders {
  /** The CA bundle the server's certificate is checked against. */
  ca: grpc.experimental.CertificateProvider;
  /** This client's certificate and key, when it presents one. */
  identity?: grpc.experimental.CertificateProvider | undefined;
}

/** How a channel is secured: TLS (from memory or from providers) and/or a SASL login per channel. */
export interface ChannelSecurityOptions {
  ssl?: boolean | SslOptions | undefined;
  /** TLS from certificate providers (node to node); exclusive with `ssl`. */
  tlsProviders?: TlsCertificateProviders | undefined;
  sasl?: SaslOptions | undefined;
}
