// @peculiar/x509 resolves its services through tsyringe, which needs the Reflect metadata API.
import 'reflect-metadata';
import { SubjectAlternativeNameExtension, X509Certificate } from '@peculiar/x509';

/** The names in a certificate that a principal can be derived from. */
export interface CertificateIdentity {
  /** The subject in RFC 2253 form, most specific first: `CN=alice,OU=eng,O=Fjord,C=NO`. */
  readonly subject: string;
  readonly dnsNames: readonly string[];
  readonly ipAddresses: readonly string[];
  readonly uris: readonly string[];
  readonly emails: readonly string[];
}

/** Escapes an attribute value as RFC 2253 §2.4 requires. */
function escapeValue(value: string): string {
  let escaped = value.replace(/[,+"\\<>;]/g, (c) => `\\${c}`);
  if (escaped.startsWith('#') || escaped.startsWith(' ')) escaped = `\\${escaped}`;
  if (escaped.endsWith(' ') && escaped.length > 1) escaped = `${escaped.slice(0, -1)}\\ `;
  return escaped;
}

/**
 * The subject and subject alternative names of a DER (or PEM) certificate. The subject is written
 * as Java's `X500Principal.getName()` writes it, which is the string Kafka's
 * `ssl.principal.mapping.rules` are matched against: RDNs in reverse order of the encoding,
 * joined by `,` without spaces. Attributes outside RFC 2253's keyword set keep their short name
 * (Java would print them as `OID=#hex`).
 */
export function certificateIdentity(certificate: Uint8Array | string): CertificateIdentity {
  const parsed = new X509Certificate(
    typeof certificate === 'string' ? certificate : Uint8Array.from(certificate),
  );
  const rdns = parsed.subjectName.toJSON();
  const subject = rdns
    .slice()
    .reverse()
    .map((rdn) =>
      Object.entries(rdn)
        .flatMap(([type, values]) => values.map((value) => `${type}=${escapeValue(value)}`))
        .join('+'),
    )
    .join(',');
  const san = parsed.getExtension(SubjectAlternativeNameExtension);
  const names = san?.names.items ?? [];
  const of = (type: string) => names.filter((name) => name.type === type).map((name) => name.value);
  return { subject, dnsNames: of('dns'), ipAddresses: of('ip'), uris: of('url'), emails: of('email') };
}
