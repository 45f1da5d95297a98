// The next-image strategy registry: one entry per strategy — its name, label, the tasks it serves, whether
// it needs the trainer, and the server's pick. Model-based strategies read the ranked list the trainer's
// producer of the same name published (trainer/suggestions.ts PRODUCERS); when that list is used up they go
// on from the latest per-image scores the server holds (`continue`), and only then fall back — to the
// trainer's `typical` list, then sequential order — saying so in `reason` (server/next.ts).
import { taskSchema, type Task } from '../common/protocol.ts';
import type { Db } from './db/open.ts';
import { AppError } from './errors.ts';
import { stmt } from './db/prepared.ts';
import { RANDOM_KEY_TEXT } from './db/schema.ts';
import { reviewQueue } from './insights.ts';
import { isVal } from '../common/split.ts';
import { VAL_PICK_WHY } from './val-picks.ts';

export interface PickCtx {
  db: Db;
  /** the first of these ids that is still free (unlabelled, unclaimed, not excluded), or null */
  firstFree(ids: number[]): number | null;
  /** the free images, as an SQL condition on alias `i`, and its parameters */
  free: { where: string; params: Record<string, unknown> };
  /** request parameters a strategy may need (e.g. class=<id>) */
  query: Record<string, string | undefined>;
}

export interface StrategyEntry {
  name: string;
  /** shown in the UI */
  label: string;
  tasks: Task[];
  /** true: picks from the trainer's published list of the same name */
  needsTrainer: boolean;
  /** the request parameter it needs, if any (the UI asks for it) */
  needs?: 'class';
  /** the suggestion list key to read (model-based strategies); default: the name */
  listKey?(query: PickCtx['query'], db: Db): string;
  /** this share of the picks is the `random` strategy's instead of the list's (mix) */
  randomShare?: number;
  /** the server's own pick (strategies that need no trainer) */
  pick?(ctx: PickCtx): number | null;
  /** a model strategy's own kind of pick once its list is used up, from the latest stored predictions */
  continue?(ctx: PickCtx): number | null;
  /** some of its turns go to random val-side images (server/val-picks.ts) */
  valPicks?: boolean;
  /** why this image was picked, in words for the annotator (default: the strategy's name) */
  explain?(db: Db, imageId: number): string;
  /** walks *labelled* images (review): their ids in order as the server filters them now, instead of the
   *  trainer's list; an image is free when labelled, not held by another annotator, not excluded */
  labelled?(db: Db): number[];
}

const TYPICAL = 'typical of a cluster with no label yet';
const COVERAGE = 'typical of a cluster with few labels so far';
/** The trainer's lists hold train-side images only: a val-side pick was one of the server's random val picks. */
const orVal = (explain: (db: Db, id: number) => string) => (db: Db, id: number) =>
  isVal(id) ? VAL_PICK_WHY : explain(db, id);
const inList = (db: Db, list: string, id: number) =>
  !!stmt(db, `select 1 from suggestions, json_each(suggestions.ids) where strategy = ? and value = ?`).get(list, id);
/** in the cold start (a cluster with no label yet), or else in `typical`'s coverage part */
const isTypical = (db: Db, id: number) => inList(db, 'cold', id);
/** the trainer's cold start has as many clusters as labels + 1, at most this many (trainer/cold-start.ts MAX_CLUSTERS) */
const COLD_REACH = 50;
/** a cold-start pick of a strategy that hands over to another rule afterwards: say the phase and how far it goes */
const warmingUp = (then: string) =>
  `warming up: ${TYPICAL}; ${then} once every cluster (up to ${COLD_REACH}) has a label`;
const typicalWhy = (db: Db, id: number) => (isTypical(db, id) ? TYPICAL : COVERAGE);

/** The first free image among the stored predictions in `order` (train-side first: a val-side one only when a
 *  whole batch has no other), walking the predictions in batches. */
function byPredictions(ctx: PickCtx, where: string, order: string, extra: Record<string, unknown> = {}): number | null {
  const q = stmt(
    ctx.db,
    `select p.image_id as id from predictions p join images i on i.id = p.image_id
    where ${where} and ${ctx.free.where} order by ${order} limit 256`,
  );
  const rows = q.all({ ...ctx.free.params, ...extra }) as { id: number }[];
  return (rows.find((r) => !isVal(r.id)) ?? rows[0])?.id ?? null;
}
/** least sure first: the stored uncertainty (1 − margin, or the task's own), highest first */
const mostUncertain = (ctx: PickCtx) =>
  byPredictions(ctx, 'p.uncertainty is not null', 'p.uncertainty desc, p.image_id');
/** the class with the fewest labels among those that have any, as the trainer's `minority` list does */
function minorityClass(db: Db): number | null {
  const r = stmt(
    db,
    `select cast(substr(key, 7) as integer) as id from counters where key like 'class:%' and n > 0 order by n, key limit 1`,
  ).get() as { id: number } | undefined;
  return r?.id ?? null;
}
/** "model unsure: cat vs dog" from the stored prediction's two most likely classes */
function unsure(db: Db, id: number): string {
  if (isTypical(db, id)) return warmingUp('uncertainty picks start');
  const p = stmt(db, 'select probs from predictions where image_id = ?').get(id) as
    { probs: string | null } | undefined;
  const probs = p?.probs
    ? Object.entries(JSON.parse(p.probs) as Record<string, number>).sort((a, b) => b[1] - a[1])
    : [];
  if (probs.length < 2) return 'model unsure';
  const name = (cid: string) =>
    (stmt(db, 'select name from classes where id = ?').get(Number(cid)) as { name: string } | undefined)?.name ?? cid;
  return `model unsure: ${name(probs[0][0])} vs ${name(probs[1][0])}`;
}

/** mix: the share of random picks (simulate --mix-random's default) */
export const MIX_RANDOM = 0.2;
export const MIX_RANDOM_WHY = 'a random image (1 in 5), so the labels also cover what the model is sure of';

/** every task (the registry's strategies serve them all so far) */
const BOTH: Task[] = taskSchema.options;

export const STRATEGIES: StrategyEntry[] = [
  {
    name: 'sequential',
    label: 'sequential',
    tasks: BOTH,
    needsTrainer: false,
    pick: ({ db, free }) =>
      (
        stmt(db, `select i.id from images i where ${free.where} order by i.id limit 1`).get(free.params) as
          { id: number } | undefined
      )?.id ?? null,
  },
  {
    name: 'random',
    label: 'random',
    tasks: BOTH,
    needsTrainer: false,
    // the first free image at or after a random point of a fixed id permutation (an index seek), instead
    // of counting the free images and OFFSET-ing into them (seconds at 1M rows)
    pick: ({ db, free }) => {
      const at = (r: number) =>
        stmt(
          db,
          `select i.id from images i where ${free.where} and ${RANDOM_KEY_TEXT} >= @r order by ${RANDOM_KEY_TEXT} limit 1`,
        ).get({ ...free.params, r }) as { id: number } | undefined;
      return (at(Math.floor(Math.random() * 2 ** 32)) ?? at(0))?.id ?? null; // past the last key: wrap around
    },
  },
  {
    name: 'class',
    label: 'by class',
    tasks: BOTH,
    needsTrainer: true,
    needs: 'class',
    listKey: (q, db) => {
      const v = q.class;
      if (v === undefined || !/^\d{1,12}$/.test(v))
        throw new AppError(400, 'invalid_param', 'strategy=class needs class=<class id>');
      if (!stmt(db, 'select 1 from classes where id = ?').get(Number(v)))
        throw new AppError(404, 'class_not_found', `no class with id ${v}`);
      return `class:${v}`;
    },
    // predicted as the class, most confident first
    continue: (ctx) =>
      byPredictions(ctx, 'p.class_id = @c', 'p.confidence desc, p.image_id', { c: Number(ctx.query.class) }),
  },
  {
    name: 'minority',
    label: 'minority frontier',
    tasks: BOTH,
    needsTrainer: true,
    valPicks: true,
    explain: orVal(() => 'near the frontier of the least-labelled class'),
    // predicted as the least-labelled class, least confident first
    continue: (ctx) => {
      const c = minorityClass(ctx.db);
      return c === null ? null : byPredictions(ctx, 'p.class_id = @c', 'p.confidence, p.image_id', { c });
    },
  },
  {
    name: 'uncertain',
    label: 'uncertain',
    tasks: BOTH,
    needsTrainer: true,
    valPicks: true,
    explain: orVal(unsure),
    continue: mostUncertain,
  },
  {
    name: 'diverse',
    label: 'diverse',
    tasks: BOTH,
    needsTrainer: true,
    valPicks: true,
    explain: orVal((db, id) =>
      isTypical(db, id) ? warmingUp('farthest-first picks start') : 'far from everything labelled',
    ),
  },
  {
    name: 'typical',
    label: 'typical (cold start, then coverage)',
    tasks: BOTH,
    needsTrainer: true,
    valPicks: true,
    explain: orVal(typicalWhy),
  },
  // `uncertain`'s list, and one pick in five drawn at random: what `hilt simulate`'s `mix` measured
  {
    name: 'mix',
    label: 'uncertain + 20 % random',
    tasks: BOTH,
    needsTrainer: true,
    valPicks: true,
    randomShare: MIX_RANDOM,
    explain: orVal(unsure),
    continue: mostUncertain,
  },
  // likely label errors, from the trainer's out-of-sample predictions (trainer/quality/)
  {
    name: 'review',
    label: 'review likely label errors',
    tasks: BOTH,
    needsTrainer: true,
    labelled: (db) => reviewQueue(db, { flaggedOnly: true }).map((i) => i.id),
  },
];

export const STRATEGY_NAMES = STRATEGIES.map((s) => s.name);

/** lists the trainer publishes that are no strategy of their own: `cold`, the cold-start part of `typical`
 *  (what `typical`, `uncertain` and `diverse` say of a pick: "typical of a cluster with no label yet") */
export const AUX_LISTS = ['cold'];

/**
 * What a new session's UI starts with, per task, until the annotator picks another (GET /api/strategies).
 * Classification: `uncertain` (cold start, then cluster-margin). On two sets nobody had tuned on, run once with
 * the code frozen (docs/simulate.md, "Held-out, with the code frozen"), it needed 0.60× and under 0.54×
 * sequential's labels to reach 90 % of the final accuracy, ahead of sequential in every repeat, with the
 * highest final accuracy on one set and within 0.02 of `mix` on the other. Segmentation: `uncertain` — on the
 * coloured scenes it reaches 90 % of the final mIoU with 0.75× sequential's strokes (docs/simulate/scenes-v3).
 */
export const DEFAULT_STRATEGY: Record<Task, string> = { classification: 'uncertain', segmentation: 'uncertain' };

export function strategyByName(name: string): StrategyEntry {
  const s = STRATEGIES.find((x) => x.name === name);
  if (!s) throw new AppError(400, 'invalid_strategy', `strategy must be one of ${STRATEGY_NAMES.join(', ')}`);
  return s;
}

/** What the UI lists (GET /api/strategies): names, labels, tasks, whether the trainer is needed. */
export function strategyList(): (Pick<StrategyEntry, 'name' | 'label' | 'tasks' | 'needsTrainer' | 'needs'> & {
  labelled?: true;
})[] {
  return STRATEGIES.map(({ name, label, tasks, needsTrainer, needs, labelled }) => ({
    name,
    label,
    tasks,
    needsTrainer,
    ...(needs ? { needs } : {}),
    ...(labelled ? { labelled: true as const } : {}),
  }));
}
