import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createDevelopmentCa, issueCertificate, type PemCertificate } from '@fjord/security';
import type { NodeClientSecurity } from '@fjord/server-kit';

/** The listener nodes of a secure cluster use among themselves: SSL, client certificates required. */
export const INTERNAL_LISTENER = 'INTERNAL';
/** The listener users connect to: SASL_SSL (SCRAM over TLS). */
export const CLIENT_LISTENER = 'CLIENT';

/** The user every secure cluster creates at its start (`--add-scram`), a super user. */
export const ADMIN_USER = 'admin';

/** Maps node certificates (`CN=broker-1,OU=nodes,...`) to `User:broker-1`; others keep their subject. */
export const NODE_PRINCIPAL_MAPPING_RULES = 'RULE:^CN=([^,]*),OU=nodes.*$/$1/,DEFAULT';

/**
 * The node certificate the testkit itself presents on INTERNAL listeners (`User:testkit`, a
 * super user): its own polling (DescribeCluster, DescribeQuorum) and user and ACL set-up do
 * not depend on the SDK's SASL login, which is what the tests exercise.
 */
export const TESTKIT_PRINCIPAL_NAME = 'testkit';

/**
 * Broker ids above the initial count that still get a super-user principal, so that
 * `addBroker()` works in a secure cluster (the super users are fixed when the nodes start).
 */
const SPARE_BROKER_IDS = 3;

/** Options of a secure cluster ({@link ClusterOptions.secure}). */
export interface SecureClusterOptions {
  /**
   * Client certificates to issue (`CN=<name>,OU=clients`, signed by the cluster's CA), e.g.
   * for tests of mTLS; their principal is the full subject (`User:CN=alice,OU=clients,O=Fjord
   * development`). Default `['alice']`.
   */
  clientCertificates?: readonly string[];
  /** SCRAM mechanism of the admin user and of {@link ClusterSecurity.clientOptions} (default scram-sha-512). */
  mechanism?: SaslMechanismName;
  /**
   * The admin user's password (default: random). The coordinators create the user with it
   * only while it has no credential (`--add-scram`), so a restarted cluster keeps the password
   * the admin has, which may since have been changed.
   */
  adminPassword?: string;
}

/** A SASL mechanism as the SDK names it. */
export type SaslMechanismName = 'scram-sha-256' | 'scram-sha-512';

/** A user's SCRAM login. */
export interface ScramLogin {
  username: string;
  password: string;
  /** Default: the cluster's mechanism (scram-sha-512 unless {@link SecureClusterOptions.mechanism}). */
  mechanism?: SaslMechanismName;
}

/** What `new Fjord(...)` takes to reach a secure cluster: the contract's `ssl` and `sasl` options. */
export interface SecureClientOptions {
  bootstrap: string[];
  ssl: { ca: string };
  sasl: { mechanism: SaslMechanismName; username: string; password: string };
}

/** A certificate and its private key on disk (PEM). */
export interface CertificateFiles {
  readonly certificate: string;
  readonly privateKey: string;
}

/**
 * The certificates, credentials and node settings of a secure test cluster (the contract of
 * issue #13): a development CA in `<dataDir>/certs`, one node certificate per coordinator and
 * broker (`CN=coordinator-<id>,OU=nodes`, `CN=broker-<id>,OU=nodes`), every node with an
 * INTERNAL listener (SSL, client certificates required; node to node) and a CLIENT listener
 * (SASL_SSL; users), `--security-inter-broker-protocol SSL`, the standard authorizer, and as
 * super users the node principals and `User:admin`, whose random password the coordinators
 * get through `FJORD_ADD_SCRAM` (the environment, so it is not in the logged command line).
 */
export class ClusterSecurity {
  /** Folder of every certificate and key file. */
  readonly dir: string;
  /** The CA bundle every node trusts (PEM file); clients verify the nodes against it. */
  readonly caFile: string;
  /** The CA certificate, PEM text (what the SDK's `ssl.ca` takes). */
  readonly caPem: string;
  /** The super user created at the start. */
  readonly admin: Required<ScramLogin>;
  /** The mechanism of {@link clientOptions} and the admin user. */
  readonly mechanism: SaslMechanismName;
  readonly #ca: PemCertificate;
  readonly #clients: Readonly<Record<string, CertificateFiles>>;
  readonly #nodes = new Map<string, CertificateFiles>();
  readonly #superUsers: string;

  private constructor(
    dir: string,
    ca: PemCertificate,
    caFile: string,
    clients: Record<string, CertificateFiles>,
    superUsers: string,
    mechanism: SaslMechanismName,
    adminPassword: string,
  ) {
    this.dir = dir;
    this.#ca = ca;
    this.caFile = caFile;
    this.caPem = ca.certificate;
    this.#clients = clients;
    this.#superUsers = superUsers;
    this.mechanism = mechanism;
    this.admin = { username: ADMIN_USER, password: adminPassword, mechanism };
  }

  /**
   * Writes the CA, the testkit's own certificate and the client certificates to
   * `<dataDir>/certs`; node certificates are issued as the nodes start ({@link nodeArgs}).
   * A CA and certificates already there (a cluster started again on its data) are kept.
   */
  static async create(
    dataDir: string,
    options: SecureClusterOptions,
    nodes: { coordinators: number; brokers: number },
  ): Promise<ClusterSecurity> {
    const dir = join(dataDir, 'certs');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const ca = await developmentCa(dir);
    const principals = [
      ...Array.from({ length: nodes.coordinators }, (_, i) => `User:coordinator-${i + 1}`),
      ...Array.from({ length: nodes.brokers + SPARE_BROKER_IDS }, (_, i) => `User:broker-${i + 1}`),
      `User:${TESTKIT_PRINCIPAL_NAME}`,
      `User:${ADMIN_USER}`,
    ];
    const clients: Record<string, CertificateFiles> = {};
    for (const name of options.clientCertificates ?? ['alice']) {
      clients[name] = await issueFiles(ca, dir, name, 'clients');
    }
    const security = new ClusterSecurity(
      dir,
      ca,
      join(dir, CA_FILE),
      clients,
      principals.join(';'),
      options.mechanism ?? 'scram-sha-512',
      options.adminPassword ?? randomBytes(18).toString('base64url'),
    );
    await security.#issueNode(TESTKIT_PRINCIPAL_NAME);
    return security;
  }

  /** Another CA's certificate (PEM), trusted by nobody in this cluster: for wrong-CA tests. */
  static async foreignCaPem(): Promise<string> {
    return (await createDevelopmentCa({ commonName: 'Someone else CA' })).certificate;
  }

  /** `User:coordinator-1;...;User:broker-1;...;User:testkit;User:admin`, as `--super-users` takes it. */
  get superUsers(): string {
    return this.#superUsers;
  }

  /** The files of a client certificate named in {@link SecureClusterOptions.clientCertificates}. */
  clientCertificate(name: string): CertificateFiles {
    const files = this.#clients[name];
    if (!files) {
      const names = Object.keys(this.#clients).join(', ') || 'none';
      throw new Error(`no client certificate ${name} in this cluster (issued: ${names})`);
    }
    return files;
  }

  /** The files of node `name`'s certificate (`coordinator-1`, `broker-2`, `testkit`), once issued. */
  nodeCertificate(name: string): CertificateFiles {
    const files = this.#nodes.get(name);
    if (!files) throw new Error(`no node certificate ${name} issued (yet) in this cluster`);
    return files;
  }

  /**
   * Issues node `name`'s certificate unless it exists (e.g. `broker-3` before that broker
   * starts, for a test that presents one broker's identity to claim another's id).
   */
  issueNodeCertificate(name: string): Promise<CertificateFiles> {
    return this.#issueNode(name);
  }

  /**
   * Issues node `name`'s certificate (unless it exists) and returns the security flags every
   * node of the cluster runs with; `kind` adds the coordinator's or the broker's own.
   */
  async nodeArgs(name: string, kind: 'coordinator' | 'broker'): Promise<string[]> {
    const files = await this.#issueNode(name);
    return [
      '--listener-security-protocol-map',
      `${INTERNAL_LISTENER}:SSL,${CLIENT_LISTENER}:SASL_SSL`,
      '--ssl-certificate-file',
      files.certificate,
      '--ssl-key-file',
      files.privateKey,
      '--ssl-ca-file',
      this.caFile,
      '--ssl-client-auth',
      'required',
      '--ssl-principal-mapping-rules',
      NODE_PRINCIPAL_MAPPING_RULES,
      '--security-inter-broker-protocol',
      'SSL',
      '--authorizer',
      'standard',
      '--super-users',
      this.#superUsers,
      ...(kind === 'broker' ? ['--inter-broker-listener-name', INTERNAL_LISTENER] : []),
    ];
  }

  /** The environment of a coordinator: the admin user's credential (`--add-scram`), never on the command line. */
  coordinatorEnv(): Record<string, string> {
    const mechanism = this.admin.mechanism.toUpperCase();
    return { FJORD_ADD_SCRAM: `${mechanism}=[name=${this.admin.username},password=${this.admin.password}]` };
  }

  /**
   * Client options for `new Fjord(...)` as `login` (default the admin user): the coordinators'
   * CLIENT listeners, the CA, and the SCRAM login.
   */
  clientOptions(bootstrap: string[], login: ScramLogin = this.admin): SecureClientOptions {
    return {
      bootstrap,
      ssl: { ca: this.caPem },
      sasl: {
        mechanism: login.mechanism ?? this.mechanism,
        username: login.username,
        password: login.password,
      },
    };
  }

  /** How the testkit dials INTERNAL listeners: mTLS with its own certificate (`User:testkit`). */
  testkitSecurity(): NodeClientSecurity {
    const files = this.nodeCertificate(TESTKIT_PRINCIPAL_NAME);
    return {
      protocol: 'SSL',
      tls: { ca: this.caFile, cert: files.certificate, key: files.privateKey },
    };
  }

  async #issueNode(name: string): Promise<CertificateFiles> {
    const existing = this.#nodes.get(name);
    if (existing) return existing;
    const files = await issueFiles(this.#ca, this.dir, name, 'nodes');
    this.#nodes.set(name, files);
    return files;
  }
}

const CA_FILE = 'ca.pem';
const CA_KEY_FILE = 'ca-key.pem';

/** The CA of `dir` if it has one, else a new one written there. */
async function developmentCa(dir: string): Promise<PemCertificate> {
  const certificate = join(dir, CA_FILE);
  const privateKey = join(dir, CA_KEY_FILE);
  if (existsSync(certificate) && existsSync(privateKey)) {
    return { certificate: readFileSync(certificate, 'utf8'), privateKey: readFileSync(privateKey, 'utf8') };
  }
  const ca = await createDevelopmentCa();
  writeFileSync(privateKey, ca.privateKey, { mode: 0o600 });
  writeFileSync(certificate, ca.certificate, { mode: 0o644 });
  return ca;
}

/**
 * `<name>.pem` and `<name>-key.pem` in `dir`: kept when both exist, else issued by `ca` (a
 * node certificate serves and dials, a client certificate only dials).
 */
async function issueFiles(
  ca: PemCertificate,
  dir: string,
  name: string,
  unit: 'nodes' | 'clients',
): Promise<CertificateFiles> {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name) || name === 'ca' || name === 'ca-key') {
    throw new Error(`'${name}' cannot name certificate files: use [A-Za-z0-9._-], and not ca`);
  }
  const files = { certificate: join(dir, `${name}.pem`), privateKey: join(dir, `${name}-key.pem`) };
  if (existsSync(files.certificate) && existsSync(files.privateKey)) return files;
  const pem = await issueCertificate(ca, {
    commonName: name,
    organizationalUnit: unit,
    usage: unit === 'nodes' ? 'server-and-client' : 'client',
  });
  writeFileSync(files.privateKey, pem.privateKey, { mode: 0o600 });
  writeFileSync(files.certificate, pem.certificate, { mode: 0o644 });
  return files;
}
