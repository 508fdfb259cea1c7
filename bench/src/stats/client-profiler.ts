import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';

let outDir: string | undefined;

/** Turns on profiling of the harness process (the client side) during measured windows. */
export function enableClientProfiles(dir: string): void {
  mkdirSync(dir, { recursive: true });
  outDir = dir;
}

/**
 * Starts a V8 CPU profile of this process; the returned function stops it and writes
 * `<name>.cpuprofile`. A no-op unless {@link enableClientProfiles} was called. Only the
 * measured window is profiled, so start-up and backlog building do not blur the picture.
 */
export function profileClient(name: string): () => void {
  const dir = outDir;
  if (!dir) return () => {};
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 1000 });
  session.post('Profiler.start');
  return () => {
    // An inspector session on the main thread answers synchronously.
    session.post('Profiler.stop', (error, result) => {
      if (!error && result) writeFileSync(join(dir, `${name}.cpuprofile`), JSON.stringify(result.profile));
      session.disconnect();
    });
  };
}
