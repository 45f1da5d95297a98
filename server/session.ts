// A session is a folder under the sessions dir holding session.db, thumbs/, features/, models/, predictions/.
// Reset renames the folder to <name>.<UTC stamp> (nothing is deleted) and re-creates the session with the
// same images, thumbnails and features, no annotations, task unlocked.
import { existsSync, mkdirSync, readdirSync, renameSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { openDb, type Db } from './db/open.ts';
import { settings } from './db/schema.ts';
import type { Task } from './db/schema.ts';
import { AppError } from './errors.ts';
import { prepared } from './db/prepared.ts';
import { counts } from './counters.ts';
import { startCheckpointer } from './db/checkpointer.ts';

export interface Session {
  name: string;
  dir: string;
  db: Db;
  sessionsDir: string;
  stopCheckpoints?: () => Promise<void>;
}

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

export function sessionsDirFrom(opt?: string): string {
  return resolve(opt ?? process.env.HILT_SESSIONS_DIR ?? './sessions');
}

/** names a folder cannot take on Windows (device names) */
const RESERVED = /^(con|prn|aux|nul|com\d|lpt\d|conin\$|conout\$)$/i;

/** A session name is a folder name: letters, digits, _ and - (no dots, slashes or `..`), at most 64, not reserved. */
export function validName(name: string): boolean {
  return NAME_RE.test(name) && !RESERVED.test(name);
}

export const NAME_RULE = 'letters, digits, _ and -, starting with a letter or digit, at most 64, not a reserved name';

/** `checkpoints`: the long-running server's session checkpoints its WAL from a worker (db/checkpointer.ts) */
export function openSession(
  sessionsDir: string,
  name: string,
  opts: { create?: boolean; checkpoints?: boolean } = {},
): Session {
  if (!validName(name)) throw new AppError(400, 'invalid_session', `invalid session name "${name}" (${NAME_RULE})`);
  const dir = join(sessionsDir, name);
  if (!existsSync(join(dir, 'session.db')) && !opts.create)
    throw new AppError(404, 'no_session', `no session "${name}" in ${sessionsDir}`);
  for (const sub of ['thumbs', 'features', 'models', 'predictions']) mkdirSync(join(dir, sub), { recursive: true });
  const db = openDb(join(dir, 'session.db'));
  const s: Session = { name, dir, sessionsDir, db };
  if (opts.checkpoints) s.stopCheckpoints = startCheckpointer(db.$client, join(dir, 'session.db'));
  return s;
}

/** Close the session's database; the promise settles once its checkpoint worker, if any, has let go of the files. */
export function closeSession(s: Session): Promise<void> {
  const stopped = s.stopCheckpoints?.() ?? Promise.resolve();
  s.db.$client.close();
  return stopped;
}

export function getSetting<T>(db: Db, key: string): T | null {
  const row = prepared(db).setting.get({ key });
  return row ? (row.value as T) : null;
}
export function setSetting(db: Db, key: string, value: unknown): void {
  db.insert(settings).values({ key, value }).onConflictDoUpdate({ target: settings.key, set: { value } }).run();
}
export function getTask(db: Db): Task | null {
  return getSetting<Task>(db, 'task');
}

export interface SessionSummary {
  name: string;
  task: Task | null;
  images: number;
  labelled: number;
  archived: boolean;
}

export function listSessions(sessionsDir: string): SessionSummary[] {
  if (!existsSync(sessionsDir)) return [];
  const out: SessionSummary[] = [];
  for (const entry of readdirSync(sessionsDir).sort()) {
    const dir = join(sessionsDir, entry);
    if (!statSync(dir).isDirectory() || !existsSync(join(dir, 'session.db'))) continue;
    const db = openDb(join(dir, 'session.db'));
    try {
      const c = counts(db);
      out.push({
        name: entry,
        task: getTask(db),
        images: c.images,
        labelled: c.labelled + c.skipped,
        archived: !validName(entry),
      });
    } finally {
      db.$client.close();
    }
  }
  return out;
}

export function utcStamp(d = new Date()): string {
  return d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z'); // 20261122T133100Z
}

/** What a fresh session takes over from the one it replaces, by rename (O(1), whatever the session size):
 *  thumbnails and features are derived from the images alone and stay valid; images copied in (`--copy`)
 *  are what the image rows point to. A thumbnail missing in the archive is made again if it is ever shown. */
const CARRIED = ['thumbs', 'features', 'images'];

/** Rename sessions/<name> to sessions/<name>.<stamp>, then re-create it with the same image rows (one
 *  INSERT … SELECT from the archived database) and the folders above moved back in. */
export function resetSession(sessionsDir: string, name: string): { name: string; archivedAs: string } {
  const old = openSession(sessionsDir, name);
  const presets = getSetting(old.db, 'presets');
  old.db.$client.pragma('wal_checkpoint(TRUNCATE)'); // the archived file is complete on its own
  closeSession(old);
  let archivedAs = `${name}.${utcStamp()}`;
  for (let i = 1; existsSync(join(sessionsDir, archivedAs)); i++) archivedAs = `${name}.${utcStamp()}-${i}`;
  const archived = join(sessionsDir, archivedAs);
  renameSync(join(sessionsDir, name), archived);
  mkdirSync(join(sessionsDir, name));
  for (const sub of CARRIED)
    if (existsSync(join(archived, sub))) renameSync(join(archived, sub), join(sessionsDir, name, sub));
  const fresh = openSession(sessionsDir, name, { create: true });
  try {
    const c = fresh.db.$client;
    c.prepare('attach database ? as old').run(join(archived, 'session.db'));
    try {
      c.transaction(() => {
        c.exec(
          'insert into images (id, path, width, height, sha256, bytes, added_at, orientation, format) select id, path, width, height, sha256, bytes, added_at, orientation, format from old.images',
        );
        if (presets) setSetting(fresh.db, 'presets', presets);
      })();
    } finally {
      c.exec('detach database old');
    }
  } finally {
    closeSession(fresh);
  }
  return { name, archivedAs };
}
