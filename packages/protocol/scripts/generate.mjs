// Copies the wire contract (proto/ at the repository root) into this package, so that it
// ships with the published package, and generates TypeScript types from it. The flags here
// must match the loadSync options in src/grpc.ts (see PROTO_LOADER_OPTIONS there).
import { execFileSync } from 'node:child_process';
import { cpSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const pkg = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(pkg, '..', '..', 'proto');
const target = join(pkg, 'proto');
const gen = join(pkg, 'src', 'gen');

rmSync(target, { recursive: true, force: true });
cpSync(source, target, { recursive: true });
rmSync(gen, { recursive: true, force: true });

const files = readdirSync(join(target, 'fjord', 'v1')).filter((f) => f.endsWith('.proto'));
execFileSync(
  process.execPath,
  [
    join(pkg, 'node_modules', '@grpc', 'proto-loader', 'build', 'bin', 'proto-loader-gen-types.js'),
    '--longs=String',
    '--enums=String',
    '--defaults',
    '--oneofs',
    '--grpcLib=@grpc/grpc-js',
    '--targetFileExtension=.ts',
    '--importFileExtension=.js',
    '--includeComments',
    `--outDir=${gen}`,
    ...files.map((f) => `fjord/v1/${f}`),
    // Last: --includeDirs takes an array and would swallow the file names after it.
    `--includeDirs=${target}`,
  ],
  { stdio: 'inherit' },
);

// One barrel over every generated message and service type, re-exported by src/index.ts as
// the `v1` type namespace.
const generated = readdirSync(join(gen, 'fjord', 'v1')).filter((f) => f.endsWith('.ts'));
writeFileSync(
  join(gen, 'index.ts'),
  `${generated.map((f) => `export type * from './fjord/v1/${f.replace(/\.ts$/, '.js')}';`).join('\n')}\n`,
);
