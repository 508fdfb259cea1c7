import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createDevelopmentCa, issueCertificate, type PemCertificate } from './development-certificates.js';

/** The files {@link writeDevelopmentCertificates} wrote, by role. */
export interface DevelopmentCertificateFiles {
  readonly caCertificate: string;
  readonly caPrivateKey: string;
  /** Per node name: its certificate and key file. */
  readonly nodes: Readonly<Record<string, { certificate: string; privateKey: string }>>;
  /** Per client name: its certificate and key file. */
  readonly clients: Readonly<Record<string, { certificate: string; privateKey: string }>>;
}

/** Options of {@link writeDevelopmentCertificates}. */
export interface WriteDevelopmentCertificatesOptions {
  /** Nodes (brokers, coordinators): server-and-client certificates, `OU=nodes`. */
  readonly nodes: readonly { readonly name: string; readonly dnsNames?: readonly string[] }[];
  /** Clients: client certificates, `OU=clients`. */
  readonly clients?: readonly string[];
  readonly validityDays?: number;
}

function checkFileName(name: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name))
    throw new Error(`'${name}' cannot name certificate files: use [A-Za-z0-9._-]`);
  return name;
}

async function write(
  dir: string,
  name: string,
  pem: PemCertificate,
): Promise<{ certificate: string; privateKey: string }> {
  const certificate = join(dir, `${name}.pem`);
  const privateKey = join(dir, `${name}-key.pem`);
  await writeFile(certificate, pem.certificate, { mode: 0o644 });
  await writeFile(privateKey, pem.privateKey, { mode: 0o600 });
  return { certificate, privateKey };
}

/**
 * Creates a development CA in `dir` (`ca.pem`, `ca-key.pem`) and signs a certificate for each
 * node and client (`<name>.pem`, `<name>-key.pem`; keys readable by the owner only).
 */
export async function writeDevelopmentCertificates(
  dir: string,
  options: WriteDevelopmentCertificatesOptions,
): Promise<DevelopmentCertificateFiles> {
  const names = [...options.nodes.map((node) => node.name), ...(options.clients ?? [])].map(checkFileName);
  const duplicate = names.find((name, i) => names.indexOf(name) !== i || name === 'ca');
  if (duplicate) throw new Error(`certificate name '${duplicate}' is used twice (or is the reserved 'ca')`);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const validityDays = options.validityDays;
  const ca = await createDevelopmentCa(validityDays === undefined ? {} : { validityDays });
  const caFiles = await write(dir, 'ca', ca);
  const nodes: Record<string, { certificate: string; privateKey: string }> = {};
  for (const node of options.nodes) {
    const pem = await issueCertificate(ca, {
      commonName: node.name,
      organizationalUnit: 'nodes',
      usage: 'server-and-client',
      ...(node.dnsNames ? { dnsNames: node.dnsNames } : {}),
      ...(validityDays === undefined ? {} : { validityDays }),
    });
    nodes[node.name] = await write(dir, node.name, pem);
  }
  const clients: Record<string, { certificate: string; privateKey: string }> = {};
  for (const name of options.clients ?? []) {
    const pem = await issueCertificate(ca, {
      commonName: name,
      organizationalUnit: 'clients',
      usage: 'client',
      ...(validityDays === undefined ? {} : { validityDays }),
    });
    clients[name] = await write(dir, name, pem);
  }
  return { caCertificate: caFiles.certificate, caPrivateKey: caFiles.privateKey, nodes, clients };
}
