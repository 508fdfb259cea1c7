import { execFile } from 'node:child_process';

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
