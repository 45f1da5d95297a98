// Counts kept by the database's triggers (migration 0002_scale_triggers): reading one is a primary-key
// lookup, so pages, stats and totals never count a million rows per request.
import type { Db } from './db/open.ts';
import { stmt } from './db/prepared.ts';

export function counter(db: Db, key: string): number {
  return (stmt(db, 'select n from counters where key = ?').get(key) as { n: number } | undefined)?.n ?? 0;
}

/** Every counter under `prefix` (e.g. `class:`), keyed by what follows it; zero counts left out. */
export function countersWith(db: Db, prefix: string): Map<string, number> {
  // the table holds a few rows per class and annotator: a scan is cheaper than being clever
  const rows = stmt(
    db,
    'select substr(key, length(@p) + 1) as k, n from counters where substr(key, 1, length(@p)) = @p and n > 0',
  ).all({ p: prefix }) as { k: string; n: number }[];
  return new Map(rows.map((r) => [r.k, r.n]));
}

export interface Counts {
  images: number;
  labelled: number;
  skipped: number;
  unlabelled: number;
}

export function counts(db: Db): Counts {
  const images = counter(db, 'images'),
    labelled = counter(db, 'labelled'),
    skipped = counter(db, 'skipped');
  return { images, labelled, skipped, unlabelled: images - labelled - skipped };
}

/** 0-based position of an image in id order. Ids are dense unless rows were removed, so the position is
 *  arithmetic; otherwise it is counted (an index range scan). */
export function imagePosition(db: Db, id: number): { index: number; total: number } {
  const total = counter(db, 'images');
  const { lo, hi } = idRange(db);
  if (lo !== null && hi !== null && hi - lo + 1 === total) return { index: id - lo, total };
  return { index: (stmt(db, 'select count(*) as i from images where id < ?').get(id) as { i: number }).i, total };
}

/** Smallest and largest image id: two queries, because SQLite answers a lone min() or max() from the
 *  index's end but scans the table for both in one select. */
export function idRange(db: Db): { lo: number | null; hi: number | null } {
  return {
    lo: (stmt(db, 'select min(id) as v from images').get() as { v: number | null }).v,
    hi: (stmt(db, 'select max(id) as v from images').get() as { v: number | null }).v,
  };
}
