import { randomBytes, randomUUID } from 'node:crypto';
import { accessSync, constants } from 'node:fs';
import {
  CertificatePrincipalMapper,
  type Clock,
  SessionTokens,
  type StandardAuthorizerOptions,
  systemClock,
} from '@fjord/security';
import { type SecurityProtocol, usesSasl, usesTls } from '../listeners/listener-address.js';
import type { Listener, ListenerProblem } from '../listeners/resolve-listeners.js';
import type { SecuritySettings } from './security-settings.js';
import type { GrpcServerSecurity, NodeClientSecurity, SecurityStateSource } from './server-security.js';

/** The security settings once checked against the listeners, with the inter-broker protocol resolved. */
export interface SecurityConfig extends Omit<SecuritySettings, 'securityInterBrokerProtocol'> {
  readonly securityInterBrokerProtocol: SecurityProtocol;
}

/** What {@link resolveSecurityConfig} needs besides the settings. */
export interface ResolveSecurityOptions {
  /** Every listener of the node (gRPC and Kafka families). */
  readonly listeners: readonly Listener[];
  /** The listener other nodes reach this one on; its protocol is the default inter-broker protocol. */
  readonly interBrokerListener?: Listener;
}

function unreadable(path: string): string | undefined {
  try {
    accessSync(path, constants.R_OK);
    return undefined;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : String(code);
  }
}

/**
 * Checks the security settings against the listeners (a server's schema calls it in its
 * transform, and reports the problems with `reportListenerProblems`):
 * - an SSL or SASL_SSL listener, or dialing peers over TLS, needs `--ssl-certificate-file`
 *   and `--ssl-key-file`, readable;
 * - client certificates (`--ssl-client-auth requested|required` with an SSL listener; SASL_SSL
 *   listeners ask for none) and dialing over TLS need `--ssl-ca-file`;
 * - dialing over SASL_* needs `--inter-broker-sasl-username` and its password.
 * The inter-broker protocol defaults to the inter-broker listener's, else PLAINTEXT.
 */
export function resolveSecurityConfig(
  settings: SecuritySettings,
  options: ResolveSecurityOptions,
): { config: SecurityConfig; problems: ListenerProblem[] } {
  const problems: ListenerProblem[] = [];
  const interBroker =
    settings.securityInterBrokerProtocol ?? options.interBrokerListener?.securityProtocol ?? 'PLAINTEXT';
  const tlsListeners = options.listeners.filter((l) => usesTls(l.securityProtocol)).map((l) => l.name);
  const needsIdentity = [
    ...tlsListeners.map((name) => `listener ${name}`),
    ...(usesTls(interBroker) ? [`--security-inter-broker-protocol ${interBroker}`] : []),
  ];
  const needsCa = [
    ...(options.listeners.some((l) => l.securityProtocol === 'SSL') && settings.sslClientAuth !== 'none'
      ? [`--ssl-client-auth ${settings.sslClientAuth}`]
      : []),
    ...(usesTls(interBroker) ? [`--security-inter-broker-protocol ${interBroker}`] : []),
  ];
  const requireFile = (key: 'sslCertificateFile' | 'sslKeyFile' | 'sslCaFile', neededBy: string[]) => {
    const path = settings[key];
    if (path === undefined) {
      if (neededBy.length > 0) problems.push({ key, message: `is required by ${neededBy.join(', ')}` });
      return;
    }
    const why = unreadable(path);
    if (why !== undefined) problems.push({ key, message: `cannot read ${path} (${why})` });
  };
  requireFile('sslCertificateFile', needsIdentity);
  requireFile('sslKeyFile', needsIdentity);
  requireFile('sslCaFile', needsCa);
  if ((settings.sslCertificateFile === undefined) !== (settings.sslKeyFile === undefined)) {
    const missing = settings.sslCertificateFile === undefined ? 'sslCertificateFile' : 'sslKeyFile';
    if (needsIdentity.length === 0) {
      problems.push({ key: missing, message: 'is needed with the other half of the certificate/key pair' });
    }
  }
  if (usesSasl(interBroker)) {
    if (settings.interBrokerSaslUsername === undefined) {
      problems.push({
        key: 'interBrokerSaslUsername',
        message: `is required by --security-inter-broker-protocol ${interBroker}`,
      });
    }
    if (settings.interBrokerSaslPassword === undefined) {
      problems.push({
        key: 'interBrokerSaslPassword',
        message: `is required by --security-inter-broker-protocol ${interBroker} (FJORD_INTER_BROKER_SASL_PASSWORD)`,
      });
    }
  }
  return { config: { ...settings, securityInterBrokerProtocol: interBroker }, problems };
}

/** The options of the node's StandardAuthorizer, or undefined with `--authorizer none`. */
export function authorizerOptions(config: SecurityConfig): StandardAuthorizerOptions | undefined {
  if (config.authorizer === 'none') return undefined;
  return { superUsers: config.superUsers ?? [], allowEveryoneIfNoAclFound: config.allowEveryoneIfNoAclFound };
}

/** Options of {@link serverSecurity}. */
export interface ServerSecurityOptions {
  /** The clock of the session tokens (tests move it). */
  readonly clock?: Clock;
}

/**
 * The `security` option of `startGrpcServer` from the node's settings and its security state.
 * The session-token key is random per process: a restarted server refuses its predecessor's
 * tokens, and clients log in again (`fjord-reauthenticate`).
 */
export function serverSecurity(
  config: SecurityConfig,
  state: SecurityStateSource,
  options: ServerSecurityOptions = {},
): GrpcServerSecurity {
  const tokens = new SessionTokens({
    key: { id: randomUUID().replaceAll('-', ''), secret: randomBytes(32) },
    clock: options.clock ?? systemClock,
    lifetimeMs: config.sessionTokenLifetimeMs,
  });
  return {
    ...(config.sslCertificateFile !== undefined && config.sslKeyFile !== undefined
      ? {
          tls: {
            certificateFile: config.sslCertificateFile,
            keyFile: config.sslKeyFile,
            ...(config.sslCaFile === undefined ? {} : { caFile: config.sslCaFile }),
          },
        }
      : {}),
    clientAuth: config.sslClientAuth,
    principalMapper: new CertificatePrincipalMapper({ rules: config.sslPrincipalMappingRules }),
    tokens,
    saslMechanisms: config.saslEnabledMechanisms,
    state,
    reloadIntervalMs: config.sslReloadIntervalMs,
    unknownUserSecret: randomBytes(32),
  };
}

/** How this node dials its peers, from `--security-inter-broker-protocol` and its companions. */
export function nodeClientSecurity(config: SecurityConfig): NodeClientSecurity {
  const protocol = config.securityInterBrokerProtocol;
  const tls =
    usesTls(protocol) &&
    config.sslCaFile !== undefined &&
    config.sslCertificateFile !== undefined &&
    config.sslKeyFile !== undefined
      ? { ca: config.sslCaFile, cert: config.sslCertificateFile, key: config.sslKeyFile }
      : undefined;
  const sasl =
    usesSasl(protocol) &&
    config.interBrokerSaslUsername !== undefined &&
    config.interBrokerSaslPassword !== undefined
      ? {
          mechanism: config.interBrokerSaslMechanism,
          username: config.interBrokerSaslUsername,
          password: config.interBrokerSaslPassword,
        }
      : undefined;
  if (usesTls(protocol) && !tls) {
    throw new Error(
      `inter-broker protocol ${protocol} needs --ssl-ca-file, --ssl-certificate-file and --ssl-key-file`,
    );
  }
  if (usesSasl(protocol) && !sasl) {
    throw new Error(
      `inter-broker protocol ${protocol} needs --inter-broker-sasl-username and --inter-broker-sasl-password`,
    );
  }
  return { protocol, ...(tls ? { tls } : {}), ...(sasl ? { sasl } : {}) };
}
