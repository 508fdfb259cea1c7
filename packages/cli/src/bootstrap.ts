import { Fjord } from '@fjord/sdk';
import { type Command, Option } from 'commander';
import { type ClientConfig, clientConfigPath, loadClientConfig } from './client-config.js';
import { addressList } from './parse.js';
import { UsageError } from './usage-error.js';

/** Where client commands connect when neither --bootstrap nor FJORD_BOOTSTRAP says otherwise. */
export const DEFAULT_BOOTSTRAP = '127.0.0.1:7400';

/**
 * The coordinator addresses, comma-separated (`a:7400,b:7401`): --bootstrap wins over
 * FJORD_BOOTSTRAP, which wins over the default. One address is enough (the client learns the
 * other coordinators from it); more let the first contact survive the loss of one.
 */
export function resolveBootstrap(option: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  if (option !== undefined) return option;
  const fromEnv = env.FJORD_BOOTSTRAP?.trim();
  if (!fromEnv) return DEFAULT_BOOTSTRAP;
  try {
    return addressList(fromEnv);
  } catch {
    throw new UsageError(
      `FJORD_BOOTSTRAP=${JSON.stringify(fromEnv)} is not host:port[,host:port...] (e.g. 127.0.0.1:7400,127.0.0.1:7401)`,
    );
  }
}

/** The addresses of a resolved bootstrap string. */
export function bootstrapAddresses(bootstrap: string): string[] {
  return bootstrap.split(',');
}

/**
 * The global `-b, --bootstrap` option (kcat's -b). Global so that it works before and after
 * the subcommand: `fjord -b h:p topics list` and `fjord topics list -b h:p`.
 */
export function bootstrapOption(): Option {
  return new Option(
    '-b, --bootstrap <host:port,...>',
    `coordinator addresses, comma-separated; one is enough (env FJORD_BOOTSTRAP, default ${DEFAULT_BOOTSTRAP})`,
  ).argParser(addressList);
}

/**
 * Where and how a client command connects: the coordinator addresses (comma-separated, for
 * messages) and the options of the client, security included.
 */
export interface ClientTarget {
  bootstrap: string;
  options: ClientConfig & { bootstrap: string[]; clientId: string };
}

/**
 * The global `--client-config <file>` option: a JSON file of the SDK's client options
 * (bootstrap, ssl, sasl, ...), e.g. the `client.json` that `fjord dev --secure` writes.
 */
export function clientConfigOption(): Option {
  return new Option(
    '--client-config <file>',
    'JSON file of client options: bootstrap, ssl { ca|caFile, cert|certFile, key|keyFile, rejectUnauthorized }, ' +
      'sasl { mechanism, username, password } (env FJORD_CLIENT_CONFIG)',
  );
}

/**
 * The client a command uses, from its options, the client config file and the environment.
 * Flags win over the file: the addresses are --bootstrap, else the file's `bootstrap`, else
 * FJORD_BOOTSTRAP, else the default. The file is --client-config, else FJORD_CLIENT_CONFIG.
 */
export function resolveClientTarget(
  flags: { bootstrap?: string; clientConfig?: string },
  env: NodeJS.ProcessEnv,
): ClientTarget {
  const path = clientConfigPath(flags.clientConfig, env);
  const config = path === undefined ? {} : loadClientConfig(path);
  const bootstrap = flags.bootstrap ?? config.bootstrap?.join(',') ?? resolveBootstrap(undefined, env);
  return {
    bootstrap,
    options: {
      ...config,
      clientId: config.clientId ?? 'fjord-cli',
      bootstrap: bootstrapAddresses(bootstrap),
    },
  };
}

/** The client target of a client command, from its (global) options and the environment. */
export function commandTarget(command: Command, env: NodeJS.ProcessEnv): ClientTarget {
  return resolveClientTarget(command.optsWithGlobals<{ bootstrap?: string; clientConfig?: string }>(), env);
}

/** A client of the cluster `target` names; the caller closes it. */
export function connect(target: ClientTarget): Fjord {
  // The SDK validates the options itself (ssl and sasl included) and names what it refuses.
  return new Fjord(target.options);
}

/**
 * Runs `fn` with a client and always closes it, so a command that fails still lets the
 * process exit (open gRPC channels would keep it alive).
 */
export async function withClient<T>(target: ClientTarget, fn: (fjord: Fjord) => Promise<T>): Promise<T> {
  const fjord = connect(target);
  try {
    return await fn(fjord);
  } finally {
    await fjord.close();
  }
}
