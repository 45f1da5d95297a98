// One writer per feature store: a lock file holding the writer's pid. A second process (a replaced trainer
// still exiting, parallel `hilt simulate` workers sharing a cache root) gets `null` and uses a private
// store instead of interleaving appends. A lock whose process is gone (kill -9) is taken over. A lock file
// without a pid yet is its writer's, between creating the file and writing its pid, unless it is older than
// EMPTY_LOCK_MS (its writer died in between).
import { closeSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** how long a lock file may stay without a pid before it counts as left by a writer that died */
export const EMPTY_LOCK_MS = 10_000;

/** The pid in a lock file, 0 while its writer has not written it yet, null when the file is gone. */
function lockPid(file: string): { pid: number; ageMs: number } | null {
  try {
    const ageMs = Date.now() - statSync(file).mtimeMs;
    return { pid: Number(readFileSync(file, 'utf8')) || 0, ageMs };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

/** Take the lock of `dir`; returns a release function, or null when another live process holds it. */
export function lockStore(dir: string): (() => void) | null {
  const file = join(dir, 'writer.lock');
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(file, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const held = lockPid(file);
      if (!held) continue; // released meanwhile: try again
      if (held.pid === 0 && held.ageMs < EMPTY_LOCK_MS) return null; // its writer is writing its pid
      if (held.pid && held.pid !== process.pid && alive(held.pid)) return null;
      rmSync(file, { force: true }); // stale: its writer is gone (or it is ours, left by a store not closed)
    }
  }
  return null;
}
