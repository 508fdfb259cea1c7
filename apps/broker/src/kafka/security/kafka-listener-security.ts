import type { CertificatePrincipalMapper, StandardAuthorizer } from '@fjord/security';
import {
  type SecurityProtocol,
  type SslClientAuth,
  type TlsFiles,
  usesSasl,
  usesTls,
} from '@fjord/server-kit';
import type { KafkaSaslSettings } from './kafka-authentication.js';

/** TLS on a Kafka listener (SSL, SASL_SSL). */
export interface KafkaTlsSettings {
  readonly files: TlsFiles;
  readonly clientAuth: SslClientAuth;
  /** `ssl.principal.mapping.rules` applied to a client certificate's subject (SSL listeners). */
  readonly principalMapper: CertificatePrincipalMapper;
  /** How often the files are read again (default: the server kit's). */
  readonly reloadIntervalMs?: number;
}

/** How one Kafka listener protects its connections and whose ACLs it checks. */
export interface KafkaListenerSecurity {
  readonly protocol: SecurityProtocol;
  /** Set exactly for SSL and SASL_SSL. */
  readonly tls?: KafkaTlsSettings | undefined;
  /** Set exactly for SASL_PLAINTEXT and SASL_SSL. */
  readonly sasl?: KafkaSaslSettings | undefined;
  /** The broker's current ACLs (undefined: `--authorizer none`). */
  readonly authorizer: () => StandardAuthorizer | undefined;
}

/** A listener without protection or authorization (PLAINTEXT, `--authorizer none`): today's default. */
export const PLAINTEXT_LISTENER: KafkaListenerSecurity = {
  protocol: 'PLAINTEXT',
  authorizer: () => undefined,
};

/** Refuses settings that cannot protect the listener as its protocol says. */
export function checkListenerSecurity(name: string, security: KafkaListenerSecurity): void {
  const wantsTls = usesTls(security.protocol);
  const wantsSasl = usesSasl(security.protocol);
  if (wantsTls !== (security.tls !== undefined)) {
    throw new Error(
      wantsTls
        ? `Kafka listener ${name} is ${security.protocol}: it needs --ssl-certificate-file and --ssl-key-file`
        : `Kafka listener ${name} is ${security.protocol}: TLS settings do not apply to it`,
    );
  }
  if (wantsSasl !== (security.sasl !== undefined)) {
    throw new Error(
      `Kafka listener ${name} is ${security.protocol}: SASL settings ${wantsSasl ? 'missing' : 'given'}`,
    );
  }
  if (security.sasl && security.sasl.mechanisms.length === 0)
    throw new Error(`Kafka listener ${name} is ${security.protocol}: no SASL mechanism is enabled`);
  if (security.tls && security.tls.clientAuth !== 'none' && security.tls.files.caFile === undefined) {
    throw new Error(
      `Kafka listener ${name}: --ssl-client-auth ${security.tls.clientAuth} needs --ssl-ca-file to check client certificates against`,
    );
  }
}
