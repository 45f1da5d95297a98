// A session is a folder under the sessions dir holding session.db, thumbs/, features/, models/, predictions/.
// Reset renames the folder to <name>.<UTC stamp> (nothing is deleted) and re-creates the session with the
// same images and thumbnails, no annotations, task unlocked.
import { existsSync, mkdirSync, readdirSync, renameSync, statSync, cpSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { openDb, type Db } from './db/open.ts';
import { images, settings } from './db/schema.ts';
import type { Task } from './db/schema.ts';
import { AppError } from './errors.ts';
import { prepared } from './db/prepared.ts';
import { counts } from './counters.ts';

export interface Session { name: string; dir: string; db: Db; sessionsDir: string }

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

export function sessionsDirFrom(opt?: string): string {
  return resolve(opt ?? process.env.HILT_SESSIONS_DIR ?? './sessions');
}

export function validName(name: string): boolean { return NAME_RE.test(name); }

export function openSession(sessionsDir: string, name: string, opts: { create?: boolean } = {}): Session {
  if (!validName(name)) throw new AppError(400, 'invalid_session', `invalid session name "${name}" (letters, digits, _ and -, at most 64)`);
  const dir = join(sessionsDir, name);
  if (!existsSync(join(dir, 'session.db')) && !opts.create) throw new AppError(404, 'no_session', `no session "${name}" in ${sessionsDir}`);
  for (const sub of ['thumbs', 'features', 'models', 'predictions']) mkdirSync(join(dir, sub), { recursive: true });
  return { name, dir, sessionsDir, db: openDb(join(dir, 'session.db')) };
}

export function closeSession(s: Session): void { s.db.$client.close(); }

export function getSetting<T>(db: Db, key: string): T | null {
  const row = prepared(db).setting.get({ key });
  return row ? (row.value as T) : null;
}
export function setSetting(db: Db, key: string, value: unknown): void {
  db.insert(settings).values({ key, value }).onConflictDoUpdate({ target: settings.key, set: { value } }).run();
}
export function getTask(db: Db): Task | null { return getSetting<Task>(db, 'task'); }

export interface SessionSummary { name: string; task: Task | null; images: number; labelled: number; archived: boolean }

export function listSessions(sessionsDir: string): SessionSummary[] {
  if (!existsSync(sessionsDir)) return [];
  const out: SessionSummary[] = [];
  for (const entry of readdirSync(sessionsDir).sort()) {
    const dir = join(sessionsDir, entry);
    if (!statSync(dir).isDirectory() || !existsSync(join(dir, 'session.db'))) continue;
    const db = openDb(join(dir, 'session.db'));
    try {
      const c = counts(db);
      out.push({ name: entry, task: getTask(db), images: c.images, labelled: c.labelled + c.skipped, archived: !validName(entry) });
    } finally { db.$client.close(); }
  }
  return out;
}

export function utcStamp(d = new Date()): string {
  return d.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z'); // 20261122T133100Z
}

/** Rename sessions/<name> to sessions/<name>.<stamp>, then re-create it with the same images and thumbs. */
export function resetSession(sessionsDir: string, name: string): { name: string; archivedAs: string } {
  const old = openSession(sessionsDir, name);
  const imgs = old.db.select().from(images).all();
  const presets = getSetting(old.db, 'presets');
  closeSession(old);
  let archivedAs = `${name}.${utcStamp()}`;
  for (let i = 1; existsSync(join(sessionsDir, archivedAs)); i++) archivedAs = `${name}.${utcStamp()}-${i}`;
  renameSync(join(sessionsDir, name), join(sessionsDir, archivedAs));
  const fresh = openSession(sessionsDir, name, { create: true });
  try {
    fresh.db.transaction((tx) => {
      for (let i = 0; i < imgs.length; i += 500) tx.insert(images).values(imgs.slice(i, i + 500)).run();
      if (presets) tx.insert(settings).values({ key: 'presets', value: presets }).run();
    });
    const oldThumbs = join(sessionsDir, archivedAs, 'thumbs');
    if (existsSync(oldThumbs)) cpSync(oldThumbs, join(fresh.dir, 'thumbs'), { recursive: true });
    // images copied into the session (import --copy) stay readable: copy them back, paths unchanged
    const oldImages = join(sessionsDir, archivedAs, 'images');
    if (existsSync(oldImages)) cpSync(oldImages, join(fresh.dir, 'images'), { recursive: true });
  } finally { closeSession(fresh); }
  return { name, archivedAs };
}
