import { spawnSync } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Cluster, startCluster } from '@fjord/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const SDK = join(REPO, 'packages', 'sdk');
const README_ADDRESS = '127.0.0.1:7400';

interface Example {
  /** `js` or `ts`, from the fence. */
  lang: 'js' | 'ts';
  /** The heading the example sits under, to name the test. */
  section: string;
  code: string;
  /** The ```text block right after the example: what it prints. */
  prints: string;
}

/** Every ```js / ```ts block of the README with the ```text block that follows it. */
function readmeExamples(readme: string): Example[] {
  const fences = [...readme.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)];
  const examples: Example[] = [];
  fences.forEach((fence, i) => {
    const lang = fence[1];
    if (lang !== 'js' && lang !== 'ts') return;
    const section = [...readme.slice(0, fence.index).matchAll(/^## (.+)$/gm)].at(-1)?.[1] ?? 'top';
    const next = fences[i + 1];
    if (next?.[1] !== 'text') {
      throw new Error(
        `the ${lang} example under "${section}" has no \`\`\`text block after it saying what it prints`,
      );
    }
    examples.push({ lang, section, code: fence[2]!, prints: next[2]! });
  });
  return examples;
}

/**
 * A project outside the monorepo that sees @fjord/sdk (and pino, for the logging example) as
 * installed packages, so the examples run as a user would run them.
 */
function userProject(): string {
  const dir = mkdtempSync(join(tmpdir(), 'fjord-sdk-readme-'));
  const link = (name: string, target: string): void => {
    const path = join(dir, 'node_modules', name);
    mkdirSync(dirname(path), { recursive: true });
    symlinkSync(target, path, 'dir');
  };
  const fromSdk = createRequire(join(SDK, 'package.json'));
  const packageDir = (name: string): string => realpathSync(dirname(fromSdk.resolve(`${name}/package.json`)));
  link('@fjord/sdk', SDK);
  link('pino', packageDir('pino'));
  link('@types/node', realpathSync(join(REPO, 'node_modules', '@types', 'node')));
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name: 'readme-user', private: true, type: 'module' }),
  );
  return dir;
}

const examples = readmeExamples(readFileSync(join(SDK, 'README.md'), 'utf8'));

describe('the SDK README examples, run against a real cluster', () => {
  let cluster: Cluster;
  let project: string;

  beforeAll(async () => {
    project = userProject();
    cluster = await startCluster({ brokers: 3 });
  }, 120_000);
  afterAll(async () => {
    await cluster?.stop();
    if (project) rmSync(project, { recursive: true, force: true });
  });

  it('has examples in both languages', () => {
    expect(examples.map((e) => e.lang)).toContain('ts');
    expect(examples.map((e) => e.lang)).toContain('js');
    for (const example of examples) expect(example.code).toContain(README_ADDRESS);
  });

  it('has TypeScript examples that type-check against the published types (strict, NodeNext)', () => {
    const files = examples.flatMap((example, i) => {
      if (example.lang !== 'ts') return [];
      const file = join(project, `typed-${i}.mts`);
      writeFileSync(file, example.code);
      return [file];
    });
    const tsc = spawnSync(
      process.execPath,
      [
        join(REPO, 'node_modules', 'typescript', 'bin', 'tsc'),
        '--noEmit',
        '--strict',
        '--target',
        'es2022',
        '--module',
        'nodenext',
        '--moduleResolution',
        'nodenext',
        '--types',
        'node',
        ...files,
      ],
      { cwd: project, encoding: 'utf8' },
    );
    expect({ status: tsc.status, output: tsc.stdout }).toEqual({ status: 0, output: '' });
  }, 120_000);

  it.each(examples.map((example, i) => [`${i + 1}: ${example.section} (${example.lang})`, example] as const))(
    'example %s exits 0 and prints what the README says',
    async (_name, example) => {
      const source = example.code.replaceAll(README_ADDRESS, cluster.bootstrap);
      const js = example.lang === 'ts' ? await transpile(source) : source;
      const file = join(project, `example-${examples.indexOf(example)}.mjs`);
      writeFileSync(file, js);
      const run = spawnSync(process.execPath, [file], { cwd: project, encoding: 'utf8', timeout: 120_000 });
      expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
      expect(run.stdout).toBe(example.prints);
    },
    180_000,
  );
});

// Type-stripping only: the type check is the test above.
async function transpile(source: string): Promise<string> {
  const ts = (await import('typescript')).default;
  return ts.transpileModule(source, {
    compilerOptions: {
      module: ts.ModuleKind.ESNext,
      target: ts.ScriptTarget.ES2022,
      verbatimModuleSyntax: true,
    },
  }).outputText;
}
