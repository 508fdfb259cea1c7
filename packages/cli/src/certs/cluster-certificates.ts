import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createDevelopmentCa, issueCertificate, type PemCertificate } from '@fjord/security';

// The certificate set of a secure cluster whose nodes reach one another by name (the compose
// cluster's services): one development CA, and per node a certificate `CN=<name>,OU=nodes`
// whose SANs hold the name itself (what its peers dial and check), localhost, 127.0.0.1 and ::1
// (what a client on the host dials through a published port). What exists is kept: running
// this again (every `docker compose up` does) changes nothing, so the nodes keep their
// identities and the clients' CA stays valid.

/** The CA certificate's file name in the certificate folder (what `--ssl-ca-file` names). */
export const CA_CERTIFICATE_FILE = 'ca.pem';
const CA_KEY_FILE = 'ca-key.pem';
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const RESERVED = new Set(['ca', 'ca-key', 'client', 'add-scram', 'admin-password']);

/** A certificate and key on disk, and whether this run made them. */
export interface WrittenCertificate {
  readonly name: string;
  readonly certificate: string;
  readonly privateKey: string;
  readonly created: boolean;
}

/** What {@link writeClusterCertificates} left in the folder. */
export interface ClusterCertificates {
  readonly caFile: string;
  /** The CA certificate (PEM text), as a client's `ssl.ca` takes it. */
  readonly caPem: string;
  readonly caCreated: boolean;
  readonly nodes: readonly WrittenCertificate[];
  readonly clients: readonly WrittenCertificate[];
}

/** Options of {@link writeClusterCertificates}. */
export interface ClusterCertificateOptions {
  /** Node names (`coordinator-1`, `broker-1`): each is a certificate's CN and one of its DNS names. */
  readonly nodes: readonly string[];
  /** Client names: client-only certificates `CN=<name>,OU=clients`. */
  readonly clients?: readonly string[];
  readonly validityDays?: number;
}

/** Checks the names: usable as file names, none twice, none that names another file of the folder. */
export function checkCertificateNames(names: readonly string[]): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const name of names) {
    if (!NAME.test(name)) problems.push(`'${name}' cannot name certificate files: use [A-Za-z0-9._-]`);
    else if (RESERVED.has(name)) problems.push(`'${name}' is reserved for another file of the folder`);
    else if (seen.has(name)) problems.push(`'${name}' is given twice`);
    seen.add(name);
  }
  return problems;
}

/** Writes `content` through a temporary file and a rename, so a reader never sees half of it. */
export async function writeFileAtomically(path: string, content: string, mode: number): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, content, { mode });
  await chmod(temporary, mode);
  await rename(temporary, path);
}

async function existingPair(certificate: string, privateKey: string): Promise<PemCertificate | undefined> {
  if (!existsSync(certificate) || !existsSync(privateKey)) return undefined;
  return { certificate: await readFile(certificate, 'utf8'), privateKey: await readFile(privateKey, 'utf8') };
}

async function writePair(certificate: string, privateKey: string, pem: PemCertificate): Promise<void> {
  // The key first: a certificate on disk always has its key beside it.
  await writeFileAtomically(privateKey, pem.privateKey, 0o600);
  await writeFileAtomically(certificate, pem.certificate, 0o644);
}

/**
 * Makes (or keeps) the development CA and the node and client certificates in `dir`:
 * `ca.pem`, `ca-key.pem`, `<name>.pem` and `<name>-key.pem` (keys mode 0600). A pair already
 * there is kept as it is; a missing one is issued by the folder's CA.
 */
export async function writeClusterCertificates(
  dir: string,
  options: ClusterCertificateOptions,
): Promise<ClusterCertificates> {
  const problems = checkCertificateNames([...options.nodes, ...(options.clients ?? [])]);
  if (problems.length > 0) throw new Error(problems.join('; '));
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const validity = options.validityDays === undefined ? {} : { validityDays: options.validityDays };
  const caFile = join(dir, CA_CERTIFICATE_FILE);
  const caKeyFile = join(dir, CA_KEY_FILE);
  let ca = await existingPair(caFile, caKeyFile);
  const caCreated = ca === undefined;
  if (!ca) {
    ca = await createDevelopmentCa(validity);
    await writePair(caFile, caKeyFile, ca);
  }
  const issue = async (name: string, unit: 'nodes' | 'clients'): Promise<WrittenCertificate> => {
    const certificate = join(dir, `${name}.pem`);
    const privateKey = join(dir, `${name}-key.pem`);
    if (await existingPair(certificate, privateKey)) return { name, certificate, privateKey, created: false };
    const pem = await issueCertificate(ca, {
      commonName: name,
      organizationalUnit: unit,
      ...(unit === 'nodes' ? { usage: 'server-and-client' as const, dnsNames: [name] } : { usage: 'client' }),
      ...validity,
    });
    await writePair(certificate, privateKey, pem);
    return { name, certificate, privateKey, created: true };
  };
  const nodes: WrittenCertificate[] = [];
  for (const name of options.nodes) nodes.push(await issue(name, 'nodes'));
  const clients: WrittenCertificate[] = [];
  for (const name of options.clients ?? []) clients.push(await issue(name, 'clients'));
  return { caFile, caPem: ca.certificate, caCreated, nodes, clients };
}
