// Prepared statements for the hot path (next + save): drizzle builds SQL per call otherwise, which costs
// more than SQLite itself. One set per open database, built on first use.
import { eq, sql } from 'drizzle-orm';
import type { Db } from './open.ts';
import { annotations, claims, classes, events, images, predictions, settings } from './schema.ts';

function build(db: Db) {
  const p = (name: string) => sql.placeholder(name);
  return {
    image: db
      .select()
      .from(images)
      .where(eq(images.id, p('id')))
      .prepare(),
    klass: db
      .select()
      .from(classes)
      .where(eq(classes.id, p('id')))
      .prepare(),
    annotation: db
      .select()
      .from(annotations)
      .where(eq(annotations.imageId, p('id')))
      .prepare(),
    prediction: db
      .select()
      .from(predictions)
      .where(eq(predictions.imageId, p('id')))
      .prepare(),
    setting: db
      .select()
      .from(settings)
      .where(eq(settings.key, p('key')))
      .prepare(),
    deleteClaim: db
      .delete(claims)
      .where(eq(claims.imageId, p('id')))
      .prepare(),
    insertEvent: db
      .insert(events)
      .values({
        imageId: p('imageId'),
        type: p('type'),
        annotator: p('annotator'),
        classId: p('classId'),
        predictedClassId: p('predictedClassId'),
        before: p('before'),
        at: p('at'),
      })
      .prepare(),
  };
}

const cache = new WeakMap<Db, ReturnType<typeof build>>();
export function prepared(db: Db): ReturnType<typeof build> {
  let s = cache.get(db);
  if (!s) {
    s = build(db);
    cache.set(db, s);
  }
  return s;
}

const raw = new WeakMap<Db, Map<string, import('better-sqlite3').Statement>>();
/** A cached better-sqlite3 statement, for the few queries drizzle cannot express or prepare. */
export function stmt(db: Db, text: string): import('better-sqlite3').Statement {
  let m = raw.get(db);
  if (!m) {
    m = new Map();
    raw.set(db, m);
  }
  let s = m.get(text);
  if (!s) {
    s = db.$client.prepare(text);
    m.set(text, s);
  }
  return s;
}
