import type { ChildProcess } from 'node:child_process';

/**
 * Every child process the testkit started and that has not exited yet. When the host
 * process exits (a test run that failed, forgot `cluster.stop()` or called process.exit),
 * they are SIGKILLed synchronously, so no coordinator or broker outlives the test run and
 * keeps its ports and LevelDB locks.
 */
const live = new Set<ChildProcess>();
let hookInstalled = false;

/** Registers a child for the exit-time cleanup; it is forgotten when it exits. */
export function trackChild(child: ChildProcess): void {
  if (!hookInstalled) {
    hookInstalled = true;
    // 'exit' handlers must be synchronous; kill() only sends the signal, which is enough.
    process.on('exit', killAllTrackedChildren);
  }
  live.add(child);
  child.once('exit', () => live.delete(child));
}

/** Number of tracked children still running (for tests of the testkit itself). */
export function trackedChildCount(): number {
  return live.size;
}

/**
 * SIGKILLs every tracked child at once, synchronously. For a last-resort exit (a second
 * Ctrl-C in `fjord dev`); tests use `cluster.stop()`.
 */
export function killAllTrackedChildren(): void {
  for (const child of live) {
    try {
      child.kill('SIGKILL');
    } catch {
      // Already gone: nothing to clean up.
    }
  }
  live.clear();
}
