import { readFile } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import type { ScramMechanismName } from '@fjord/sdk';
import { type Command, InvalidArgumentError } from 'commander';
import { commandTarget, withClient } from '../bootstrap.js';
import { plural, table } from '../format.js';
import { type Io, println } from '../io.js';
import { integerAtLeast } from '../parse.js';
import { UsageError } from '../usage-error.js';

interface SetFlags {
  mechanism: ScramMechanismName;
  password?: string;
  passwordFile?: string;
  iterations?: number;
}

/** `--mechanism`: scram-sha-256 or scram-sha-512 (any case). */
export function scramMechanism(value: string): ScramMechanismName {
  const lower = value.trim().toLowerCase();
  if (lower === 'scram-sha-256' || lower === 'scram-sha-512') return lower;
  throw new InvalidArgumentError('expected scram-sha-256 or scram-sha-512.');
}

/**
 * The password of `users set`: --password, or the first line of --password-file (`-` reads
 * stdin), so that it need not be in the shell's history. Exactly one of the two.
 */
export async function passwordOf(flags: SetFlags, stdin: Readable): Promise<string> {
  if ((flags.password === undefined) === (flags.passwordFile === undefined)) {
    throw new UsageError('users set: give --password or --password-file (- for stdin), exactly one');
  }
  if (flags.password !== undefined) {
    if (flags.password === '') throw new UsageError('users set: the password is empty');
    return flags.password;
  }
  const file = flags.passwordFile as string;
  let text: string;
  try {
    text = file === '-' ? await readAll(stdin) : await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(
      `users set: cannot read --password-file ${file} (${code === 'ENOENT' ? 'no such file' : code})`,
    );
  }
  // One trailing newline is the file's, not the password's (echo and editors add it).
  const password = text.replace(/\r?\n$/, '');
  if (password === '') throw new UsageError(`users set: --password-file ${file} holds no password`);
  if (password.includes('\n'))
    throw new UsageError(`users set: --password-file ${file} holds more than one line`);
  return password;
}

async function readAll(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks).toString('utf8');
}

/** Registers `fjord users set|delete|list`: SCRAM credentials (kafka-configs.sh --entity-type users). */
export function registerUsers(program: Command, io: Io, onBootstrap: (bootstrap: string) => void): void {
  const users = program.command('users').description('set, delete and list the SCRAM credentials of users');
  const targetOf = (command: Command) => {
    const target = commandTarget(command, io.env);
    onBootstrap(target.bootstrap);
    return target;
  };

  users
    .command('set')
    .description(
      "set a user's SCRAM credential (the password is salted here; only the salted password is sent)",
    )
    .argument('<name>', 'user name')
    .requiredOption('--mechanism <mechanism>', 'scram-sha-256 or scram-sha-512', scramMechanism)
    .option('--password <password>', 'the password (visible in shell history: prefer --password-file)')
    .option('--password-file <file>', 'read the password from the first line of a file; - for stdin')
    .option('--iterations <n>', 'PBKDF2 iterations, 4096..16384 (default 4096)', integerAtLeast(1))
    .action(async (name: string, flags: SetFlags, command: Command) => {
      const password = await passwordOf(flags, io.stdin);
      await withClient(targetOf(command), (fjord) =>
        fjord.admin().alterUserScramCredentials([
          {
            operation: 'upsert',
            user: name,
            mechanism: flags.mechanism,
            password,
            ...(flags.iterations === undefined ? {} : { iterations: flags.iterations }),
          },
        ]),
      );
      println(
        io.stdout,
        `set the ${flags.mechanism.toUpperCase()} credential of user "${name}"` +
          ` (${plural(flags.iterations ?? 4096, 'iteration')})`,
      );
    });

  users
    .command('delete')
    .description("delete a user's SCRAM credential (of every mechanism unless --mechanism names one)")
    .argument('<name>', 'user name')
    .option('--mechanism <mechanism>', 'scram-sha-256 or scram-sha-512', scramMechanism)
    .action(async (name: string, flags: { mechanism?: ScramMechanismName }, command: Command) => {
      const deleted = await withClient(targetOf(command), async (fjord) => {
        const admin = fjord.admin();
        const mechanisms = flags.mechanism
          ? [flags.mechanism]
          : (await admin.describeUserScramCredentials([name])).flatMap((u) =>
              u.credentials.map((c) => c.mechanism),
            );
        await admin.alterUserScramCredentials(
          mechanisms.map((mechanism) => ({ operation: 'delete' as const, user: name, mechanism })),
        );
        return mechanisms;
      });
      println(
        io.stdout,
        `deleted the ${deleted.map((m) => m.toUpperCase()).join(' and ')} credential${deleted.length > 1 ? 's' : ''} of user "${name}"`,
      );
    });

  users
    .command('list')
    .description('list users with their SCRAM mechanisms and iterations (never a key or salt)')
    .argument('[name...]', 'only these users (an unknown one is an error)')
    .option('-J, --json', 'print JSON: [{ "user", "credentials": [{ "mechanism", "iterations" }] }]')
    .action(async (names: string[], flags: { json?: boolean }, command: Command) => {
      const described = await withClient(targetOf(command), (fjord) =>
        fjord.admin().describeUserScramCredentials(names),
      );
      const sorted = [...described].sort((a, b) => a.user.localeCompare(b.user));
      if (flags.json) return println(io.stdout, JSON.stringify(sorted, null, 2));
      println(
        io.stdout,
        table(
          ['USER', 'MECHANISM', 'ITERATIONS'],
          sorted.flatMap((u) =>
            u.credentials.map((c) => [u.user, c.mechanism.toUpperCase(), String(c.iterations)]),
          ),
        ),
      );
    });
}
