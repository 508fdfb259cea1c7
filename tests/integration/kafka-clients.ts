import { type ChildProcess, execFile, spawn } from 'node:child_process';

/** The Debian package's kcat (librdkafka 2.0.2). */
export const KCAT = '/usr/bin/kcat';

/** Runs kcat with `args`, feeding `input` on stdin; resolves with stdout, rejects with stderr. */
export function kcat(args: string[], input?: string, timeoutMs = 60_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      KCAT,
      args,
      { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) =>
        error
          ? reject(new Error(`kcat ${args.join(' ')} failed: ${error.message}\n${stderr}`))
          : resolve(stdout),
    );
    if (input !== undefined) child.stdin?.end(input);
  });
}

/** One record as `kcat -C -J` prints it. */
export interface KcatRecord {
  topic: string;
  partition: number;
  offset: number;
  tstype: string;
  ts: number;
  headers?: string[];
  key: string | null;
  payload: string | null;
}

/** Parses `kcat -C -J` output (one JSON object per line). */
export function parseKcatRecords(stdout: string): KcatRecord[] {
  return stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as KcatRecord);
}

/** A kcat left running (e.g. a `-G` group member), with the lines it printed so far. */
export class RunningKcat {
  readonly lines: string[] = [];
  readonly #child: ChildProcess;
  readonly #exited: Promise<void>;

  constructor(args: string[]) {
    this.#child = spawn(KCAT, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let partial = '';
    this.#child.stdout?.on('data', (chunk: Buffer) => {
      const text = partial + chunk.toString();
      const parts = text.split('\n');
      partial = parts.pop() ?? '';
      this.lines.push(...parts.filter((l) => l !== ''));
    });
    this.#exited = new Promise((resolve) => this.#child.once('exit', () => resolve()));
  }

  /** Stops it as Ctrl-C would (kcat then leaves its group and commits), SIGKILL after 10 s. */
  async stop(): Promise<void> {
    if (this.#child.exitCode !== null) return;
    this.#child.kill('SIGINT');
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), 10_000);
    await this.#exited;
    clearTimeout(timer);
  }
}
