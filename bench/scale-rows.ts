// A large session written straight into SQLite (no image files): images, classes, annotations, events,
// predictions and suggestion lists, so the server-side queries can be measured at sizes that cannot be
// embedded here (1M rows). Plain SQL through better-sqlite3, so it writes any schema version's tables;
// whatever the schema derives from these rows (triggers, kept counters) is derived as in real use.
import { createHash } from 'node:crypto';
import { closeSession, openSession, setSetting } from '../server/session.ts';

export interface RowsOptions {
  images: number;
  /** fraction of images labelled (a tenth of those are skips) */
  labelled: number;
  classes: number;
  /** every image gets a prediction */
  predictions?: boolean;
}

/** A deterministic pseudo-random in [0, 1) per (i, salt): the same rows on every run. */
export const rnd = (i: number, salt: number) => {
  let h = Math.imul(i + 1, 0x9e3779b1) ^ Math.imul(salt + 7, 0x85ebca6b);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 12;
  return (h >>> 0) / 4294967296;
};

/** the class (0-based) image row i belongs to (its label when labelled; features can be made to match) */
export const truthIndex = (i: number, classes: number) => Math.floor(rnd(i, 1) * classes);
export const rowSha = (name: string, i: number) => createHash('sha256').update(`${name}-${i}`).digest('hex');

export function writeRows(sessionsDir: string, name: string, o: RowsOptions): { classIds: number[] } {
  const s = openSession(sessionsDir, name, { create: true });
  const db = s.db.$client;
  try {
    setSetting(s.db, 'task', 'classification');
    const classIds: number[] = [];
    for (let c = 0; c < o.classes; c++) {
      classIds.push(
        Number(
          db.prepare('insert into classes (name, color, position) values (?, ?, ?)').run(`class-${c}`, '#336699', c)
            .lastInsertRowid,
        ),
      );
    }
    const img = db.prepare(
      'insert into images (path, width, height, sha256, bytes, added_at) values (?, 640, 480, ?, 50000, ?)',
    );
    const ann = db.prepare(
      'insert into annotations (image_id, kind, class_id, annotator, updated_at) values (?, ?, ?, ?, ?)',
    );
    const ev = db.prepare(
      'insert into events (image_id, type, annotator, class_id, predicted_class_id, at) values (?, ?, ?, ?, ?, ?)',
    );
    const pred = db.prepare(
      'insert into predictions (image_id, model_version, class_id, probs, uncertainty, at) values (?, 1, ?, ?, ?, ?)',
    );
    const now = Date.now();
    const chunk = 20_000;
    for (let start = 0; start < o.images; start += chunk) {
      db.transaction(() => {
        for (let i = start; i < Math.min(o.images, start + chunk); i++) {
          const id = Number(img.run(`/bench/${name}/img-${i}.jpg`, rowSha(name, i), now).lastInsertRowid);
          const truth = classIds[truthIndex(i, o.classes)];
          const guess = rnd(i, 2) < 0.7 ? truth : classIds[Math.floor(rnd(i, 3) * o.classes)];
          if (rnd(i, 4) < o.labelled) {
            const skip = rnd(i, 5) < 0.1;
            const who = `annotator-${Math.floor(rnd(i, 6) * 5)}`;
            ann.run(id, skip ? 'skip' : 'label', skip ? null : truth, who, now);
            ev.run(id, 'set', who, skip ? null : truth, skip ? null : guess, now);
          }
          if (o.predictions !== false) {
            const p = 0.3 + 0.7 * rnd(i, 7);
            pred.run(id, guess, JSON.stringify({ [guess]: Math.round(p * 1e4) / 1e4 }), 1 - p, now);
          }
        }
      })();
    }
    const ids = (n: number, salt: number) =>
      Array.from({ length: n }, (_, k) => 1 + Math.floor(rnd(k, salt) * o.images));
    const sug = db.prepare('insert or replace into suggestions (strategy, ids, model_version, at) values (?, ?, 1, ?)');
    for (const [k, list] of [
      ['uncertain', ids(200, 11)],
      ['diverse', ids(200, 12)],
      ['minority', ids(200, 13)],
      ...classIds.map((c, i) => [`class:${c}`, ids(200, 20 + i)]),
    ] as [string, number[]][]) {
      sug.run(k, JSON.stringify(list), now);
    }
    db.pragma('wal_checkpoint(TRUNCATE)');
    return { classIds };
  } finally {
    closeSession(s);
  }
}
