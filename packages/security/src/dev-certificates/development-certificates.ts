// @peculiar/x509 resolves its services through tsyringe, which needs the Reflect metadata API.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import {
  AuthorityKeyIdentifierExtension,
  BasicConstraintsExtension,
  ExtendedKeyUsage,
  ExtendedKeyUsageExtension,
  type Extension,
  KeyUsageFlags,
  KeyUsagesExtension,
  PemConverter,
  SubjectAlternativeNameExtension,
  SubjectKeyIdentifierExtension,
  X509Certificate,
  X509CertificateGenerator,
} from '@peculiar/x509';

// Development certificates only: no openssl binary, ECDSA P-256 keys made by Node's WebCrypto,
// certificates built by @peculiar/x509. Production deployments bring their own PKI.

// @peculiar/x509 types its provider with the DOM's Crypto, which this Node-only build does not load.
const crypto = webcrypto as unknown as NonNullable<Parameters<typeof X509CertificateGenerator.create>[1]>;
const KEY_ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGNING_ALGORITHM = { name: 'ECDSA', hash: 'SHA-256' } as const;
const DAY_MS = 86_400_000;

/** How long development certificates are valid unless asked otherwise. */
export const DEFAULT_DEVELOPMENT_VALIDITY_DAYS = 365;

/** A certificate and its private key, both PEM. */
export interface PemCertificate {
  /** `-----BEGIN CERTIFICATE-----` */
  readonly certificate: string;
  /** `-----BEGIN PRIVATE KEY-----` (PKCS #8, unencrypted: development only). */
  readonly privateKey: string;
}

/** What a certificate is for: a server (a listener), a client, or both (a broker is both). */
export type CertificateUsage = 'server' | 'client' | 'server-and-client';

/** Options of {@link issueCertificate}. */
export interface IssueCertificateOptions {
  readonly commonName: string;
  /** Organizational unit, handy as a mapping-rule anchor (`OU=brokers`, `OU=clients`). */
  readonly organizationalUnit?: string;
  readonly usage: CertificateUsage;
  /** DNS subject alternative names; a server certificate always gets `localhost`. */
  readonly dnsNames?: readonly string[];
  /** IP subject alternative names; a server certificate always gets `127.0.0.1` and `::1`. */
  readonly ipAddresses?: readonly string[];
  readonly validityDays?: number;
}

const ORGANIZATION = 'Fjord development';

function checkName(value: string, what: string): string {
  // The string form of a name is parsed by @peculiar/x509, so its separators must not appear.
  if (value.length === 0 || /[,+=\\"<>;\n]/.test(value)) {
    throw new Error(`a certificate ${what} must be non-empty and free of , + = \\ " < > ; (got '${value}')`);
  }
  return value;
}

function validity(days: number | undefined): { notBefore: Date; notAfter: Date } {
  const validityDays = days ?? DEFAULT_DEVELOPMENT_VALIDITY_DAYS;
  if (!Number.isInteger(validityDays) || validityDays <= 0)
    throw new Error(`validity must be a positive number of days, got ${days}`);
  // Back-dated a little so a peer whose clock is slightly behind accepts a fresh certificate.
  const notBefore = new Date(Date.now() - 60_000);
  return { notBefore, notAfter: new Date(notBefore.getTime() + validityDays * DAY_MS) };
}

async function exportPrivateKey(key: webcrypto.CryptoKey): Promise<string> {
  return PemConverter.encode(await webcrypto.subtle.exportKey('pkcs8', key), 'PRIVATE KEY');
}

function randomSerial(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] = (bytes[0] as number) & 0x7f; // a positive INTEGER
  return Buffer.from(bytes).toString('hex');
}

/** A self-signed development CA that can sign node and client certificates. */
export async function createDevelopmentCa(
  options: { commonName?: string; validityDays?: number } = {},
): Promise<PemCertificate> {
  const keys = (await webcrypto.subtle.generateKey(KEY_ALGORITHM, true, [
    'sign',
    'verify',
  ])) as webcrypto.CryptoKeyPair;
  const certificate = await X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: randomSerial(),
      name: `O=${ORGANIZATION}, CN=${checkName(options.commonName ?? 'Fjord development CA', 'common name')}`,
      keys,
      signingAlgorithm: SIGNING_ALGORITHM,
      ...validity(options.validityDays),
      extensions: [
        new BasicConstraintsExtension(true, 0, true),
        new KeyUsagesExtension(KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign, true),
        await SubjectKeyIdentifierExtension.create(keys.publicKey, false, crypto),
      ],
    },
    crypto,
  );
  return { certificate: certificate.toString('pem'), privateKey: await exportPrivateKey(keys.privateKey) };
}

/** A certificate for a node or a client, signed by `ca`. */
export async function issueCertificate(
  ca: PemCertificate,
  options: IssueCertificateOptions,
): Promise<PemCertificate> {
  const caCertificate = new X509Certificate(ca.certificate);
  const caKey = await webcrypto.subtle.importKey(
    'pkcs8',
    PemConverter.decodeFirst(ca.privateKey),
    { ...KEY_ALGORITHM },
    false,
    ['sign'],
  );
  const keys = (await webcrypto.subtle.generateKey(KEY_ALGORITHM, true, [
    'sign',
    'verify',
  ])) as webcrypto.CryptoKeyPair;
  const server = options.usage !== 'client';
  const client = options.usage !== 'server';
  const dnsNames = [...new Set([...(server ? ['localhost'] : []), ...(options.dnsNames ?? [])])];
  const ipAddresses = [...new Set([...(server ? ['127.0.0.1', '::1'] : []), ...(options.ipAddresses ?? [])])];
  const subject = [
    `O=${ORGANIZATION}`,
    ...(options.organizationalUnit
      ? [`OU=${checkName(options.organizationalUnit, 'organizational unit')}`]
      : []),
    `CN=${checkName(options.commonName, 'common name')}`,
  ].join(', ');
  const extensions: Extension[] = [
    new BasicConstraintsExtension(false, undefined, true),
    new KeyUsagesExtension(KeyUsageFlags.digitalSignature | KeyUsageFlags.keyAgreement, true),
    new ExtendedKeyUsageExtension([
      ...(server ? [ExtendedKeyUsage.serverAuth] : []),
      ...(client ? [ExtendedKeyUsage.clientAuth] : []),
    ]),
    await SubjectKeyIdentifierExtension.create(keys.publicKey, false, crypto),
    await AuthorityKeyIdentifierExtension.create(caCertificate, false, crypto),
  ];
  if (dnsNames.length + ipAddresses.length > 0) {
    extensions.push(
      new SubjectAlternativeNameExtension([
        ...dnsNames.map((value) => ({ type: 'dns' as const, value })),
        ...ipAddresses.map((value) => ({ type: 'ip' as const, value })),
      ]),
    );
  }
  const certificate = await X509CertificateGenerator.create(
    {
      serialNumber: randomSerial(),
      subject,
      issuer: caCertificate.subject,
      publicKey: keys.publicKey,
      signingKey: caKey,
      signingAlgorithm: SIGNING_ALGORITHM,
      ...validity(options.validityDays),
      extensions,
    },
    crypto,
  );
  return { certificate: certificate.toString('pem'), privateKey: await exportPrivateKey(keys.privateKey) };
}
