// The trainer's model-quality results as the server keeps them (latest only, in settings rows, so a
// restart or a browser that connects later sees them) and reads them back: the review queue as it stands
// now (labels changed or kept since are no longer in question) and the hints, with the one only the
// server can see (the model lagging behind the labels).
import type { Ctx } from './context.ts';
import type { Db } from './db/open.ts';
import { stmt } from './db/prepared.ts';
import { suggestions } from './db/schema.ts';
import type { EvaluationMsg, Hint, ReviewItem, ReviewMsg, TrainerToServer } from '../common/protocol.ts';
import { getSetting, setSetting } from './session.ts';

export type Stored<T> = Omit<T, 'type'> & { at: number };
const KEPT = 'review_kept';

export function persistInsight(
  ctx: Ctx,
  msg: Extract<TrainerToServer, { type: 'evaluation' | 'review' | 'hints' }>,
): void {
  const db = ctx.session.db,
    now = Date.now();
  const { type, ...rest } = msg;
  db.transaction((tx) => {
    setSetting(tx as unknown as Db, type, { ...rest, at: now });
    // the review walk follows the newest ranking at once (the trainer's `review` suggestion list is
    // rebuilt from the same results at its next publish)
    if (msg.type === 'review') {
      const ids = msg.items.filter((i) => i.flagged).map((i) => i.id);
      tx.insert(suggestions)
        .values({ strategy: 'review', ids, modelVersion: msg.modelVersion, at: now })
        .onConflictDoUpdate({ target: suggestions.strategy, set: { ids, modelVersion: msg.modelVersion, at: now } })
        .run();
    }
  });
}

export const getEvaluation = (db: Db) => getSetting<Stored<EvaluationMsg>>(db, 'evaluation');
export const getReview = (db: Db) => getSetting<Stored<ReviewMsg>>(db, 'review');

interface AnnRow {
  id: number;
  kind: string;
  updated_at: number;
  class_id: number | null;
}
function annotationsOf(db: Db, ids: number[]): Map<number, AnnRow> {
  const rows = stmt(
    db,
    `select image_id as id, kind, updated_at, class_id from annotations where image_id in (select value from json_each(?))`,
  ).all(JSON.stringify(ids)) as AnnRow[];
  return new Map(rows.map((r) => [r.id, r]));
}

/** Of these images, those whose last event re-saved the label unchanged (the same key pressed again):
 *  that confirms the label, like `keep` does. One query for the lot. */
function resavedSame(db: Db, ids: number[]): Set<number> {
  const rows = stmt(
    db,
    `select e.image_id as id, e.class_id as c, json_extract(e.before, '$.classId') as b, json_extract(e.before, '$.kind') as k
    from events e join (select image_id, max(id) as last from events where image_id in (select value from json_each(?)) group by image_id) m on e.id = m.last`,
  ).all(JSON.stringify(ids)) as { id: number; c: number | null; b: number | null; k: string | null }[];
  return new Set(rows.filter((e) => e.k === 'label' && e.c !== null && e.c === e.b).map((e) => e.id));
}

/**
 * The review items still in question, most suspicious first: the image still carries the annotation the
 * score was computed from (a relabel or a re-save answers it), and nobody kept it since.
 */
export function reviewQueue(db: Db, opts: { flaggedOnly?: boolean } = {}): ReviewItem[] {
  const r = getReview(db);
  if (!r) return [];
  const items = opts.flaggedOnly ? r.items.filter((i) => i.flagged) : r.items;
  const ann = annotationsOf(
    db,
    items.map((i) => i.id),
  );
  const kept = getSetting<Record<string, number>>(db, KEPT) ?? {};
  const open = items.filter((i) => {
    const a = ann.get(i.id);
    return a && a.kind !== 'skip' && a.updated_at === i.updatedAt && kept[i.id] !== a.updated_at;
  });
  const resaved = resavedSame(
    db,
    open.map((i) => i.id),
  );
  return open.filter((i) => !resaved.has(i.id));
}

/** "Keep this label": the image leaves the review queue until its annotation changes. */
export function keepLabel(db: Db, id: number, updatedAt: number): void {
  const kept = getSetting<Record<string, number>>(db, KEPT) ?? {};
  kept[id] = updatedAt;
  // entries whose annotation changed since mean nothing any more: drop them so the row stays small
  const ann = annotationsOf(db, Object.keys(kept).map(Number));
  for (const k of Object.keys(kept)) if (ann.get(Number(k))?.updated_at !== kept[k]) delete kept[k];
  setSetting(db, KEPT, kept);
}

/** the model counts as lagging when this many labels (and this share of all) are newer than it */
export const LAG = { labels: 10, share: 0.2 } as const;

/** The trainer's hints plus `model_lagging`, which needs the server's view of the labels. */
export function currentHints(ctx: Ctx): { modelVersion: number | null; at: number | null; hints: Hint[] } {
  const db = ctx.session.db;
  const stored = getSetting<Stored<{ modelVersion: number; hints: Hint[] }>>(db, 'hints');
  const model = getSetting<{ version: number; labelled: number; at: number }>(db, 'model');
  const { n } = stmt(db, `select count(*) as n from annotations where kind != 'skip'`).get() as { n: number };
  const hints = [...(stored?.hints ?? [])];
  const behind = n - (model?.labelled ?? 0);
  if (model && behind >= LAG.labels && behind >= LAG.share * n) {
    const s = ctx.trainer.status;
    const why = !ctx.trainer.online
      ? 'the trainer is offline: start it (hilt start, or hilt train next to hilt serve)'
      : s?.phase === 'embedding'
        ? `the trainer is still embedding images (${s.embedded}/${s.total}): it refits once the labelled ones are in`
        : 'the trainer is busy: each refit takes longer than labels arrive (a smaller backbone or a GPU helps)';
    const recent = (
      stmt(
        db,
        `select image_id as id from annotations where kind != 'skip' and updated_at > ? order by updated_at desc limit 24`,
      ).all(model.at) as { id: number }[]
    ).map((r) => r.id);
    hints.unshift({
      code: 'model_lagging',
      severity: 'warning',
      imageIds: recent,
      message: `The model was trained on ${model.labelled} labels; ${n} exist now — ${why}. Predictions, suggestions and these checks are behind until it catches up.`,
    });
  }
  return { modelVersion: stored?.modelVersion ?? null, at: stored?.at ?? null, hints };
}
