import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The built CLI, run as a user would run `fjord`. */
export const CLI = fileURLToPath(new URL('../../packages/cli/dist/main.js', import.meta.url));

/** What one run of the CLI did. */
export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the fjord CLI as a user would, with optional stdin, and collects its output. */
export function fjord(
  args: string[],
  options: { stdin?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<Run> {
  return new Promise<Run>((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { ...process.env, ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`fjord ${args.join(' ')} did not finish; stderr: ${stderr}`));
    }, options.timeoutMs ?? 30_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(options.stdin ?? '');
  });
}
