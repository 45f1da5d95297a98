// WAL checkpoints in a worker thread. SQLite checkpoints from inside the commit that fills the
// WAL past 1000 pages: copying 4 MB into the database and an fsync, tens of ms, on whichever request or
// trainer frame happened to commit. The server turns that off on its connection and lets a worker with its
// own connection checkpoint (PASSIVE: writers are never blocked) a few times a second. A crash loses
// nothing more: the WAL is the durable log either way.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';

const CODE = `
const { workerData, parentPort } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 1000');
const t = setInterval(() => { try { db.pragma('wal_checkpoint(PASSIVE)'); } catch { /* busy: next time */ } }, workerData.everyMs);
parentPort.on('message', () => { clearInterval(t); try { db.pragma('wal_checkpoint(PASSIVE)'); } catch {} db.close(); parentPort.close(); });
`;

/** Checkpoint `file` from a worker every `everyMs`; `conn`'s own automatic checkpoints are turned off
 *  while it runs (and back on if the worker fails). Returns a function that stops it; its promise settles once
 *  the worker has closed its connection (so the session's files are no longer touched), at most after 2 s. */
export function startCheckpointer(conn: Database.Database, file: string, everyMs = 250): () => Promise<void> {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  let w: Worker;
  try {
    w = new Worker(CODE, { eval: true, workerData: { file, driver, everyMs } });
  } catch {
    return async () => {};
  }
  w.unref();
  conn.pragma('wal_autocheckpoint = 0');
  let stopped = false;
  w.on('error', () => {
    if (!stopped) {
      try {
        conn.pragma('wal_autocheckpoint = 1000');
      } catch {
        /* closed */
      }
    }
  });
  const exited = new Promise<void>((res) => w.once('exit', () => res()));
  return () => {
    // held from here on: the process waits for the worker's last checkpoint and close (at most 2 s)
    if (!stopped) {
      stopped = true;
      w.ref();
      w.postMessage('stop');
    }
    let timer: NodeJS.Timeout | undefined;
    return Promise.race([
      exited,
      new Promise<void>((res) => {
        timer = setTimeout(res, 2000);
      }),
    ]).finally(() => clearTimeout(timer));
  };
}
