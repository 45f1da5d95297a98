// Choosing the next image: id-order navigation (after/before) and strategies for the first unlabelled one.
// Model-based strategies read the ranked lists the trainer published, go on from the latest stored predictions
// when a list is used up, and only then fall back (to `typical`'s list, then sequential), saying so in `reason`.
import type { Db } from './db/open.ts';
import { AppError } from './errors.ts';
import { stmt } from './db/prepared.ts';
import { MIX_RANDOM_WHY, strategyByName, STRATEGIES } from './strategies.ts';
import { randomValPick, valDue, VAL_PICK_WHY } from './val-picks.ts';

export interface NextQuery {
  strategy?: string;
  class?: string;
  after?: string;
  before?: string;
  exclude?: string;
  annotator: string;
  claimTtlMs: number;
  /** false: the stored suggestions belong to a model nobody is serving any more; don't pick by them */
  trainerOnline?: boolean;
}

// unlabelled, not held by another annotator, and not one the client asked to skip (the image in view,
// so that it can prefetch the next one before saving the current). `i.state = 0` is what the partial
// indexes on images are built on: an image scan walks only unlabelled rows.
const FREE = `i.state = 0
  and not exists (select 1 from claims c where c.image_id = i.id and c.expires_at > @now and c.annotator != @me)
  and i.id not in (select value from json_each(@ex))`;

// the same for strategies that walk labelled images (review)
const HELD = `exists (select 1 from annotations a where a.image_id = i.id and a.kind != 'skip')
  and not exists (select 1 from claims c where c.image_id = i.id and c.expires_at > @now and c.annotator != @me)
  and i.id not in (select value from json_each(@ex))`;

function claim(db: Db, id: number, me: string, ttl: number, now: number): void {
  // an annotator holds at most two images: the one in view and the prefetched one
  stmt(
    db,
    `delete from claims where annotator = @me and image_id not in
    (select image_id from claims where annotator = @me order by expires_at desc limit 1)`,
  ).run({ me });
  stmt(
    db,
    `insert into claims (image_id, annotator, expires_at) values (?, ?, ?)
    on conflict(image_id) do update set annotator = excluded.annotator, expires_at = excluded.expires_at`,
  ).run(id, me, now + ttl);
}

function firstFree(db: Db, ids: number[], me: string, now: number, ex: string, free = FREE): number | null {
  if (!ids.length) return null;
  const q = stmt(db, `select 1 from images i where i.id = @id and ${free}`);
  for (const id of ids) if (q.get({ id, now, me, ex })) return id;
  return null;
}

export function nextImage(db: Db, q: NextQuery): { id: number | null; reason: string; why?: string } {
  const now = Date.now();
  const me = q.annotator;
  const num = (v: string | undefined, n: string) => {
    if (v === undefined) return undefined;
    if (!/^\d{1,12}$/.test(v)) throw new AppError(400, 'invalid_param', `${n} must be an image id`);
    return Number(v);
  };
  if (q.exclude !== undefined && !/^\d{1,12}(,\d{1,12}){0,99}$/.test(q.exclude))
    throw new AppError(400, 'invalid_param', 'exclude must be a comma-separated list of image ids');
  const ex = JSON.stringify(q.exclude ? q.exclude.split(',').map(Number) : []);
  const after = num(q.after, 'after');
  const before = num(q.before, 'before');
  if (after !== undefined) {
    const r = stmt(db, 'select id from images where id > ? order by id limit 1').get(after) as
      { id: number } | undefined;
    return r ? { id: r.id, reason: 'next' } : { id: null, reason: 'end: no image after ' + after };
  }
  if (before !== undefined) {
    const r = stmt(db, 'select id from images where id < ? order by id desc limit 1').get(before) as
      { id: number } | undefined;
    return r ? { id: r.id, reason: 'previous' } : { id: null, reason: 'start: no image before ' + before };
  }
  const strategy = strategyByName(q.strategy ?? 'sequential');
  const params = { now, me, ex };
  const ctx = {
    db,
    query: q as unknown as Record<string, string | undefined>,
    free: { where: FREE, params },
    firstFree: (ids: number[]) => firstFree(db, ids, me, now, ex),
  };
  // a bad request is a 400 whatever the trainer is doing: check the strategy's parameters first
  const key = strategy.needsTrainer ? (strategy.listKey?.(ctx.query, db) ?? strategy.name) : null;
  const picked = (id: number, reason: string, why?: string) => {
    claim(db, id, me, q.claimTtlMs, now);
    return why ? { id, reason, why } : { id, reason };
  };
  // mix: this turn is a random one (what the random strategy picks), said as such
  if (strategy.randomShare && Math.random() < strategy.randomShare) {
    const id = strategyByName('random').pick!(ctx);
    if (id !== null) return picked(id, `${strategy.name}: random`, MIX_RANDOM_WHY);
  }
  if (!key) {
    const id = strategy.pick!(ctx) ?? STRATEGIES[0].pick!(ctx);
    return id === null ? DONE : picked(id, strategy.name);
  }
  // the honest val estimate needs some val-side labels (server/val-picks.ts)
  if (strategy.valPicks && valDue(db)) {
    const id = randomValPick(db, ctx.free);
    if (id !== null) return picked(id, `${strategy.name}: val`, VAL_PICK_WHY);
  }
  let cause: string;
  if (q.trainerOnline === false) cause = 'the trainer is offline';
  else {
    const row = stmt(db, 'select ids from suggestions where strategy = ?').get(key) as { ids: string } | undefined;
    const ids = row ? (strategy.labelled ? strategy.labelled(db) : (JSON.parse(row.ids) as number[])) : [];
    const id = row ? firstFree(db, ids, me, now, ex, strategy.labelled ? HELD : FREE) : null;
    // reason: what picked it (machine-readable); why: the same in words for the annotator, when there is more to say
    if (id !== null) return picked(id, strategy.name, strategy.explain?.(db, id));
    // the list is used up (or not published yet): the strategy's own kind of pick from the latest predictions
    const more = strategy.continue?.(ctx) ?? null;
    if (more !== null) return picked(more, `${strategy.name}: by the latest predictions`, strategy.explain?.(db, more));
    cause = row ? 'its list is used up' : 'no list from the trainer yet';
    // then the trainer's coverage picks, which only need features
    if (key !== 'typical' && !strategy.labelled) {
      const typical = stmt(db, `select ids from suggestions where strategy = 'typical'`).get() as
        { ids: string } | undefined;
      const t = typical ? firstFree(db, JSON.parse(typical.ids) as number[], me, now, ex) : null;
      if (t !== null)
        return picked(
          t,
          `${strategy.name}: fallback to typical (${cause})`,
          STRATEGIES.find((x) => x.name === 'typical')!.explain!(db, t),
        );
    }
  }
  // every strategy ends in sequential order when it has nothing (left) to offer
  const id = STRATEGIES[0].pick!(ctx);
  return id === null ? DONE : picked(id, `${strategy.name}: fallback to sequential (${cause})`);
}

const DONE = { id: null, reason: 'done: every image is labelled or held by another annotator' };
