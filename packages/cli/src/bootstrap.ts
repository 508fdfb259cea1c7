import { Fjord } from '@fjord/sdk';
import { type Command, Option } from 'commander';
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

/** The coordinator addresses a client command uses, from its (global) options and the environment. */
export function commandBootstrap(command: Command, env: NodeJS.ProcessEnv): string {
  const { bootstrap } = command.optsWithGlobals<{ bootstrap?: string }>();
  return resolveBootstrap(bootstrap, env);
}

/** A client of the cluster at `bootstrap`; the caller closes it. */
export function connect(bootstrap: string): Fjord {
  return new Fjord({ bootstrap: bootstrapAddresses(bootstrap), clientId: 'fjord-cli' });
}

/**
 * Runs `fn` with a client and always closes it, so a command that fails still lets the
 * process exit (open gRPC channels would keep it alive).
 */
export async function withClient<T>(bootstrap: string, fn: (fjord: Fjord) => Promise<T>): Promise<T> {
  const fjord = connect(bootstrap);
  try {
    return await fn(fjord);
  } finally {
    await fjord.close();
  }
}
