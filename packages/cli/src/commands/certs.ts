import { join, resolve } from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import { writeClusterCertificates, writeFileAtomically } from '../certs/cluster-certificates.js';
import { type Io, println } from '../io.js';
import { addressList, integerAtLeast } from '../parse.js';
import { devAdminPassword, writeDevClientConfig } from '../secure-dev/dev-secrets.js';
import { UsageError } from '../usage-error.js';
import { scramMechanism } from './users.js';

interface CertsOptions {
  dir: string;
  nodes: string[];
  clients: string[];
  adminUser: string;
  mechanism: 'scram-sha-256' | 'scram-sha-512';
  clientBootstrap?: string;
  validityDays?: number;
}

/** The coordinators' config file (`FJORD_CONFIG` / `--config`): the admin's `--add-scram`. */
export const ADD_SCRAM_CONFIG_FILE = 'add-scram.json';

/** A comma-separated list of names (empty entries dropped). */
function nameList(value: string): string[] {
  const names = value
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  if (names.length === 0) throw new InvalidArgumentError('expected one or more names, comma-separated.');
  return names;
}

/** `--admin-user`: a user name that `--add-scram`'s syntax does not split. */
function adminUser(value: string): string {
  if (!/^[A-Za-z0-9._-]+$/.test(value)) throw new InvalidArgumentError('expected a name of [A-Za-z0-9._-].');
  return value;
}

/** Registers `fjord certs`. */
export function registerCerts(program: Command, io: Io): void {
  program
    .command('certs')
    .description(
      'make (or keep) the development CA, node certificates and admin login of a secure cluster whose nodes ' +
        'reach one another by name, e.g. docker-compose.secure.yml; no openssl needed',
    )
    .requiredOption('--dir <dir>', 'folder of the files (made if missing; what is there is kept)')
    .requiredOption(
      '--nodes <names>',
      'node names, comma-separated: each gets CN=<name>,OU=nodes and <name> as a DNS name',
      nameList,
    )
    .option('--clients <names>', 'client certificates to issue, CN=<name>,OU=clients', nameList, [])
    .option('--admin-user <name>', 'the super user whose password is made once', adminUser, 'admin')
    .option('--mechanism <mechanism>', 'SCRAM mechanism of the admin user', scramMechanism, 'scram-sha-512')
    .option(
      '--client-bootstrap <host:port,...>',
      'coordinator addresses clients use: writes <dir>/client.json (CA and admin login) for --client-config',
      addressList,
    )
    .option('--validity-days <n>', 'validity of new certificates (default 365)', integerAtLeast(1))
    .action(async (opts: CertsOptions) => {
      await runCerts(opts, io);
    });
}

async function runCerts(opts: CertsOptions, io: Io): Promise<void> {
  const dir = resolve(opts.dir);
  let written: Awaited<ReturnType<typeof writeClusterCertificates>>;
  try {
    written = await writeClusterCertificates(dir, {
      nodes: opts.nodes,
      clients: opts.clients,
      ...(opts.validityDays === undefined ? {} : { validityDays: opts.validityDays }),
    });
  } catch (error) {
    throw new UsageError(`certs: ${(error as Error).message}`);
  }
  const state = (created: boolean) => (created ? 'created' : 'kept');
  println(io.stdout, `CA ${written.caFile} (${state(written.caCreated)})`);
  for (const cert of [...written.nodes, ...written.clients]) {
    println(io.stdout, `${cert.name} ${cert.certificate} (${state(cert.created)})`);
  }
  // The password is made once and kept, as `--add-scram` creates the user only while it has
  // no credential: a new password after the first start would not be the user's.
  const { password, created } = await devAdminPassword(dir);
  const mechanism = opts.mechanism.toUpperCase();
  const addScram = join(dir, ADD_SCRAM_CONFIG_FILE);
  await writeFileAtomically(
    addScram,
    `${JSON.stringify({ 'add-scram': `${mechanism}=[name=${opts.adminUser},password=${password}]` }, null, 2)}\n`,
    0o600,
  );
  println(io.stdout, `${opts.adminUser}'s password ${join(dir, 'admin-password')} (${state(created)})`);
  println(io.stdout, `coordinators' config (--config / FJORD_CONFIG) ${addScram}`);
  if (opts.clientBootstrap !== undefined) {
    const path = await writeDevClientConfig(dir, {
      bootstrap: opts.clientBootstrap.split(','),
      ssl: { ca: written.caPem },
      sasl: { mechanism: opts.mechanism, username: opts.adminUser, password },
    });
    println(io.stdout, `client options (--client-config) ${path}`);
  }
}
