import { type CertificateIdentity, certificateIdentity } from './certificate-identity.js';
import { type KafkaPrincipal, userPrincipal } from './kafka-principal.js';
import { DEFAULT_PRINCIPAL_MAPPING_RULES, PrincipalMapper } from './ssl-principal-mapping.js';

/** Which name of a client certificate the mapping rules are applied to. */
export type CertificatePrincipalSource = 'subject' | 'san-dns' | 'san-uri' | 'san-email' | 'san-ip';

/** Options of {@link CertificatePrincipalMapper}. */
export interface CertificatePrincipalMapperOptions {
  /** `ssl.principal.mapping.rules`; `DEFAULT` keeps the name as it is. */
  readonly rules?: string;
  /** Defaults to the subject, which is what Kafka maps. */
  readonly source?: CertificatePrincipalSource;
}

const SOURCES: Record<CertificatePrincipalSource, (identity: CertificateIdentity) => readonly string[]> = {
  subject: (identity) => [identity.subject],
  'san-dns': (identity) => identity.dnsNames,
  'san-uri': (identity) => identity.uris,
  'san-email': (identity) => identity.emails,
  'san-ip': (identity) => identity.ipAddresses,
};

/**
 * The principal of an mTLS client: the chosen name of its certificate, mapped by the rules.
 * For a SAN source every SAN of that type is tried in order and the first one a rule maps wins.
 */
export class CertificatePrincipalMapper {
  private readonly mapper: PrincipalMapper;
  private readonly source: CertificatePrincipalSource;

  constructor(options: CertificatePrincipalMapperOptions = {}) {
    this.mapper = new PrincipalMapper(options.rules ?? DEFAULT_PRINCIPAL_MAPPING_RULES);
    this.source = options.source ?? 'subject';
    if (!(this.source in SOURCES)) {
      throw new Error(
        `unknown certificate principal source '${this.source}': expected ${Object.keys(SOURCES).join(', ')}`,
      );
    }
  }

  /** The principal for a DER or PEM certificate; throws when no rule maps any of its names. */
  principalOf(certificate: Uint8Array | string): KafkaPrincipal {
    const names = SOURCES[this.source](certificateIdentity(certificate));
    const failures: string[] = [];
    for (const name of names) {
      try {
        return userPrincipal(this.mapper.map(name));
      } catch (error) {
        failures.push((error as Error).message);
      }
    }
    throw new Error(
      names.length === 0
        ? `the client certificate has no ${this.source} name to derive a principal from`
        : failures.join('; '),
    );
  }
}
