// Random val-side picks. The trainer's lists hold train-side images only (every strategic label trains the
// head), so left alone a model strategy would never label a val-side image and the honest val estimate would
// have nothing to measure. The server therefore gives a model strategy's turn to a random val-side image
// whenever the labelled val images fall behind a share of all labels: one in VAL_EARLY_EVERY over the first
// VAL_EARLY_LABELS labels (an estimate within the first few dozen labels), one in VAL_EVERY after that.
import { isVal } from '../common/split.ts';
import type { Db } from './db/open.ts';
import { counter } from './counters.ts';
import { stmt } from './db/prepared.ts';
import { RANDOM_KEY_TEXT } from './db/schema.ts';

export const VAL_EARLY_LABELS = 50;
export const VAL_EARLY_EVERY = 5;
export const VAL_EVERY = 10;
export const VAL_PICK_WHY = 'a random image for the honest accuracy estimate (val side)';

/** How many of `labelled` labels should be val-side ones. */
export function valTarget(labelled: number): number {
  if (labelled < VAL_EARLY_LABELS) return Math.floor(labelled / VAL_EARLY_EVERY);
  return Math.max(Math.floor(VAL_EARLY_LABELS / VAL_EARLY_EVERY), Math.floor(labelled / VAL_EVERY));
}

// the val-side count, recounted only when the label or skip counters move
const cache = new WeakMap<Db, { key: string; val: number }>();

/** Labelled (not skipped) images on the val side, and all labelled images. */
export function valCounts(db: Db): { labelled: number; val: number } {
  const labelled = counter(db, 'labelled');
  const key = `${labelled}:${counter(db, 'skipped')}`;
  const hit = cache.get(db);
  if (hit?.key === key) return { labelled, val: hit.val };
  let val = 0;
  for (const r of stmt(db, `select image_id as id from annotations where kind != 'skip'`).iterate() as Iterable<{
    id: number;
  }>)
    if (isVal(r.id)) val++;
  cache.set(db, { key, val });
  return { labelled, val };
}

/** Past this many labels the val share is kept by chance (one model-strategy turn in VAL_EVERY) instead of by a
 *  recount of the labelled val images after every label, which grows with the session. */
export const VAL_COUNTED_UP_TO = 5000;

/** True when the next label should go to a val-side image. */
export function valDue(db: Db, rand: () => number = Math.random): boolean {
  if (counter(db, 'labelled') >= VAL_COUNTED_UP_TO) return rand() < 1 / VAL_EVERY;
  const { labelled, val } = valCounts(db);
  return val < valTarget(labelled + 1);
}

/** A random free val-side image: the free images from a random point of the fixed id permutation on, the
 *  first val-side one among a batch (about one in five is val-side), wrapping around once. */
export function randomValPick(db: Db, free: { where: string; params: Record<string, unknown> }): number | null {
  const batch = (r: number) =>
    stmt(
      db,
      `select i.id from images i where ${free.where} and ${RANDOM_KEY_TEXT} >= @r order by ${RANDOM_KEY_TEXT} limit 256`,
    ).all({ ...free.params, r }) as { id: number }[];
  for (const r of [Math.floor(Math.random() * 2 ** 32), 0]) {
    const hit = batch(r).find((row) => isVal(row.id));
    if (hit) return hit.id;
  }
  return null;
}
