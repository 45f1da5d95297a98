// One writer per feature store: a lock file holding the writer's pid. A second process (a replaced trainer
// still exiting, parallel `hilt simulate` workers sharing a cache root) gets `null` and uses a private
// store instead of interleaving appends. A lock whose process is gone (kill -9) is taken over.
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Take the lock of `dir`; returns a release function, or null when another live process holds it. */
export function lockStore(dir: string): (() => void) | null {
  const file = join(dir, 'writer.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(file, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const pid = Number(readFileSync(file, 'utf8')) || 0;
      if (pid && pid !== process.pid && alive(pid)) return null;
      rmSync(file, { force: true }); // stale: its writer is gone (or it is ours, left by a store not closed)
    }
  }
  return null;
}
