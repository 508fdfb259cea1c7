import type {
  CertificatePrincipalMapper,
  SaslMechanismName,
  ScramCredentialLookup,
  SessionTokens,
  StandardAuthorizer,
} from '@fjord/security';
import type { Secret } from '../config/secret.js';
import type { SecurityProtocol } from '../listeners/listener-address.js';
import type { SslClientAuth } from './security-settings.js';

/**
 * What a server's security needs to know of the cluster's security state. The coordinator
 * implements it from its metadata state, a broker from its copy; both keep it current, and the
 * server reads it on every call.
 */
export interface SecurityStateSource {
  /** The current ACLs, or undefined when --authorizer none (then every call is allowed). */
  authorizer(): StandardAuthorizer | undefined;
  /** The stored SCRAM credential of a user for a mechanism (undefined: unknown). */
  readonly scramCredential: ScramCredentialLookup;
  /** The broker id bound to this principal (string form `User:broker-1`), if any. */
  brokerIdOf(principal: string): number | undefined;
}

/** PEM files of a node's TLS identity and trust, re-read while the node runs. */
export interface TlsFiles {
  /** The node's certificate chain. */
  readonly certificateFile: string;
  readonly keyFile: string;
  /** The CAs trusted for client certificates (server) or for the peer (client). */
  readonly caFile?: string;
}

/** The `security` option of `startGrpcServer`: what the server's listeners enforce. */
export interface GrpcServerSecurity {
  /** Served on SSL and SASL_SSL listeners; required when there is one. */
  readonly tls?: TlsFiles;
  /** Client certificates on TLS listeners (requested/required need `tls.caFile`). */
  readonly clientAuth: SslClientAuth;
  /** The principal of a verified client certificate. */
  readonly principalMapper: CertificatePrincipalMapper;
  /** Issues the session tokens of SASL logins and checks them on every SASL_* call. */
  readonly tokens: SessionTokens;
  readonly saslMechanisms: readonly SaslMechanismName[];
  readonly state: SecurityStateSource;
  /** How often the TLS files are read again (default DEFAULT_SSL_RELOAD_INTERVAL_MS). */
  readonly reloadIntervalMs?: number;
  /** A reloaded TLS file set that cannot be used (the previous one stays in use): log it. */
  readonly onTlsReloadError?: (error: Error) => void;
  /** How long one SASL login may take (default SASL_EXCHANGE_TIMEOUT_MS). */
  readonly saslExchangeTimeoutMs?: number;
  /** Secret for the fake salts of unknown SCRAM users (at least 32 bytes; random per process if absent). */
  readonly unknownUserSecret?: Uint8Array;
}

/**
 * How a node dials its peers (broker to broker, broker to coordinator, coordinator to
 * coordinator and to brokers), from its `--security-inter-broker-protocol` and the settings
 * that go with it. The node's client pool turns it into channel credentials and a login.
 */
export interface NodeClientSecurity {
  readonly protocol: SecurityProtocol;
  /** Over SSL/SASL_SSL: check the peer against `ca`, present the node's own certificate. */
  readonly tls?: { readonly ca: string; readonly cert: string; readonly key: string };
  /** Over SASL_*: the login. */
  readonly sasl?: {
    readonly mechanism: SaslMechanismName;
    readonly username: string;
    readonly password: Secret;
  };
}
