import { randomBytes } from 'node:crypto';
import {
  CertificatePrincipalMapper,
  DEFAULT_SASL_MECHANISMS,
  DEFAULT_SESSION_TOKEN_LIFETIME_MS,
  SASL_MECHANISMS,
  type SaslMechanismName,
  SessionTokens,
  systemClock,
} from '@fjord/security';
import type { KafkaSaslSettings } from './kafka-authentication.js';
import type {
  KafkaListenerSecurity,
  KafkaSecurityProtocol,
  SslClientAuth,
} from './kafka-listener-security.js';
import type { KafkaSecurityState } from './kafka-security-state.js';

/**
 * The node security settings the Kafka listeners read (issue #13 contract; flags
 * `--ssl-certificate-file`, `--ssl-key-file`, `--ssl-ca-file`, `--ssl-client-auth`,
 * `--ssl-principal-mapping-rules`, `--sasl-enabled-mechanisms`, `--session-token-lifetime-ms`),
 * as the broker's configuration holds them once the server kit's settings fragment is in.
 * Absent values take @fjord/security's defaults.
 */
export interface KafkaSecuritySettings {
  readonly sslCertificateFile?: string | undefined;
  readonly sslKeyFile?: string | undefined;
  readonly sslCaFile?: string | undefined;
  readonly sslClientAuth?: SslClientAuth | undefined;
  readonly sslPrincipalMappingRules?: string | undefined;
  readonly saslEnabledMechanisms?: readonly string[] | string | undefined;
  readonly sessionTokenLifetimeMs?: number | undefined;
}

function mechanismsOf(value: KafkaSecuritySettings['saslEnabledMechanisms']): SaslMechanismName[] {
  if (value === undefined) return [...DEFAULT_SASL_MECHANISMS];
  const names = (typeof value === 'string' ? value.split(',') : [...value])
    .map((m) => m.trim())
    .filter(Boolean);
  for (const name of names) {
    if (!(SASL_MECHANISMS as readonly string[]).includes(name))
      throw new Error(
        `--sasl-enabled-mechanisms: unknown mechanism '${name}' (known: ${SASL_MECHANISMS.join(', ')})`,
      );
  }
  return names as SaslMechanismName[];
}

/**
 * Builds each Kafka listener's security from the node settings and the broker's security
 * state. One SASL session issuer and one unknown-user secret serve every listener of the
 * process (both random per process: a Kafka session does not outlive its connection).
 */
export class KafkaSecurityFactory {
  readonly #settings: KafkaSecuritySettings;
  readonly #state: KafkaSecurityState;
  #sasl: KafkaSaslSettings | undefined;

  constructor(settings: KafkaSecuritySettings, state: KafkaSecurityState) {
    this.#settings = settings;
    this.#state = state;
  }

  /** The security of a listener of this protocol. */
  forProtocol(protocol: KafkaSecurityProtocol): KafkaListenerSecurity {
    const tls = protocol === 'SSL' || protocol === 'SASL_SSL';
    const sasl = protocol === 'SASL_PLAINTEXT' || protocol === 'SASL_SSL';
    return {
      protocol,
      tls: tls ? this.#tls(protocol) : undefined,
      sasl: sasl ? this.#saslSettings() : undefined,
      authorizer: () => this.#state.authorizer(),
    };
  }

  #tls(protocol: KafkaSecurityProtocol) {
    const s = this.#settings;
    if (s.sslCertificateFile === undefined || s.sslKeyFile === undefined) {
      throw new Error(`a ${protocol} Kafka listener needs --ssl-certificate-file and --ssl-key-file`);
    }
    return {
      files: {
        certificateFile: s.sslCertificateFile,
        keyFile: s.sslKeyFile,
        ...(s.sslCaFile === undefined ? {} : { caFile: s.sslCaFile }),
      },
      clientAuth: s.sslClientAuth ?? 'none',
      principalMapper: new CertificatePrincipalMapper(
        s.sslPrincipalMappingRules === undefined ? {} : { rules: s.sslPrincipalMappingRules },
      ),
    };
  }

  #saslSettings(): KafkaSaslSettings {
    this.#sasl ??= {
      mechanisms: mechanismsOf(this.#settings.saslEnabledMechanisms),
      tokens: new SessionTokens({
        key: { id: 'kafka', secret: randomBytes(32) },
        clock: systemClock,
        lifetimeMs: this.#settings.sessionTokenLifetimeMs ?? DEFAULT_SESSION_TOKEN_LIFETIME_MS,
      }),
      unknownUserSecret: randomBytes(32),
      lookup: (user, mechanism) => this.#state.scramCredential(user, mechanism),
      clock: systemClock,
    };
    return this.#sasl;
  }
}
