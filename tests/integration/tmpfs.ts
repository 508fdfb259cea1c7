import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Why a size-limited tmpfs cannot be mounted here (not root, no mount(8), a container
 * without CAP_SYS_ADMIN), or `undefined` when it can: tries a 64 KiB one in a scratch dir.
 */
export function whyNoTmpfs(): string | undefined {
  const probe = mkdtempSync(join(tmpdir(), 'fjord-tmpfs-probe-'));
  try {
    mountTmpfs(probe, 64 * 1024);
    unmount(probe);
    return undefined;
  } catch (error) {
    return `cannot mount a size-limited tmpfs (needs root and mount -t tmpfs): ${String(error).split('\n')[0]}`;
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
}

/** Mounts a tmpfs of `sizeBytes` on the existing directory `dir`. */
export function mountTmpfs(dir: string, sizeBytes: number): void {
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeBytes}`, 'tmpfs', dir], { stdio: 'pipe' });
}

/** Unmounts `dir`; lazily, so a process that still holds a file there cannot block the cleanup. */
export function unmount(dir: string): void {
  execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
}

/**
 * Fills the file system of `dir` to the last byte with a file named `name`: writes chunks
 * until ENOSPC, then smaller chunks into the space left. Resolves with the bytes written.
 */
export function fillUp(dir: string, name = 'filler'): number {
  const fd = openSync(join(dir, name), 'w');
  let written = 0;
  try {
    for (const size of [1 << 20, 1 << 16, 1 << 12, 1 << 9, 1]) {
      const chunk = Buffer.alloc(size);
      for (;;) {
        try {
          written += writeSync(fd, chunk);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'ENOSPC') break;
          throw error;
        }
      }
    }
  } finally {
    closeSync(fd);
  }
  return written;
}
