// What a trainer sends is checked against the session before anything is stored (P8): a forged or stale
// frame may name images or classes that do not exist. Bad items are dropped, the rest kept, and the
// reasons go back to the trainer as one `error` frame, so nothing is lost silently. One check per frame
// type; the table in trainer-frames.ts says which.
import type { Ctx } from './context.ts';
import { stmt } from './db/prepared.ts';
import type { Prediction, TrainerToServer } from '../common/protocol.ts';
import { getTask } from './session.ts';
import { SERVER_TASK_LIST } from './tasks/index.ts';
import { listClasses } from './store.ts';
import { AUX_LISTS, STRATEGIES } from './strategies.ts';

/** distinct metric names kept; a frame naming one more is dropped */
export const MAX_METRIC_NAMES = 32;
/** the lists a trainer may publish: one per model-based strategy of the registry (`class` has one per class) */
const STRATEGY_KEYS = new Set([
  ...STRATEGIES.filter((s) => s.needsTrainer && !s.needs).map((s) => s.name),
  ...AUX_LISTS,
]);

/** the frame as it may be kept (null: dropped whole), and why anything was dropped */
export interface Checked<K extends TrainerToServer['type'] = TrainerToServer['type']> {
  msg: Extract<TrainerToServer, { type: K }> | null;
  dropped: string[];
}

/** Which of these image ids exist, in one query. */
function knownImages(ctx: Ctx, ids: number[]): Set<number> {
  if (!ids.length) return new Set();
  const rows = stmt(ctx.session.db, 'select id from images where id in (select value from json_each(?))').all(
    JSON.stringify([...new Set(ids)]),
  ) as { id: number }[];
  return new Set(rows.map((r) => r.id));
}

const finite = (v: number) => Number.isFinite(v);
const base64Bytes = (s: string) => Math.floor((s.length * 3) / 4) - (s.endsWith('==') ? 2 : s.endsWith('=') ? 1 : 0);

function predictionProblem(p: Prediction, task: string | null, classes: Set<number>): string | null {
  if (!finite(p.uncertainty)) return 'uncertainty is not a number';
  // the task whose prediction this is must be the session's; then it checks its own shape
  const owner = SERVER_TASK_LIST.find((t) => t.prediction.owns(p));
  if (!owner || owner.name !== task)
    return `${owner?.prediction.noun ?? 'a prediction'} in a ${task ?? 'task-less'} session`;
  return owner.prediction.problem(p, classes);
}

/** Reasons counted, so one bad batch makes one short line, not ten thousand. */
function tally(reasons: string[]): string[] {
  const n = new Map<string, number>();
  for (const r of reasons) n.set(r, (n.get(r) ?? 0) + 1);
  return [...n].slice(0, 10).map(([r, k]) => (k > 1 ? `${r} (×${k})` : r));
}

type Of<K extends TrainerToServer['type']> = Extract<TrainerToServer, { type: K }>;
const classIds = (ctx: Ctx) => new Set(listClasses(ctx.session.db).map((k) => k.id));
const whole = <T>(msg: T): { msg: T; dropped: string[] } => ({ msg, dropped: [] });
const refuse = (why: string) => ({ msg: null, dropped: [why] });

export function checkPredictions(ctx: Ctx, msg: Of<'predictions'>): Checked<'predictions'> {
  const out: string[] = [];
  const task = getTask(ctx.session.db),
    classes = classIds(ctx),
    images = knownImages(
      ctx,
      msg.items.map((p) => p.imageId),
    );
  const items = msg.items.filter((p) => {
    const why = images.has(p.imageId) ? predictionProblem(p, task, classes) : `unknown image ${p.imageId}`;
    if (why) out.push(why);
    return !why;
  });
  return { msg: items.length ? { ...msg, items } : null, dropped: tally(out) };
}

/** the packed items are decoded and their images checked where they are written (prediction-writer.ts) */
export function checkDeltas(ctx: Ctx, msg: Of<'deltas'>): Checked<'deltas'> {
  const classes = classIds(ctx);
  const bad = msg.classIds.find((id) => !classes.has(id));
  return bad !== undefined ? refuse(`deltas name unknown class ${bad}`) : whole(msg);
}

export function checkSuggestions(ctx: Ctx, msg: Of<'suggestions'>): Checked<'suggestions'> {
  const out: string[] = [];
  const classes = classIds(ctx);
  const images = knownImages(ctx, Object.values(msg.lists).flat());
  const lists: Record<string, number[]> = {};
  for (const [key, ids] of Object.entries(msg.lists)) {
    const m = /^class:(\d+)$/.exec(key);
    if (!STRATEGY_KEYS.has(key) && !(m && classes.has(Number(m[1])))) {
      out.push(`unknown strategy list "${key}"`);
      continue;
    }
    lists[key] = ids.filter((id) => images.has(id) || (out.push(`unknown image ${id}`), false));
  }
  return { msg: { ...msg, lists }, dropped: tally(out) };
}

export function checkMetric(ctx: Ctx, msg: Of<'metric'>): Checked<'metric'> {
  const db = ctx.session.db;
  if (!finite(msg.value)) return refuse('metric value is not a number');
  const known = stmt(db, 'select 1 from metrics where name = ? limit 1').get(msg.name);
  const names = (stmt(db, 'select count(distinct name) as n from metrics').get() as { n: number }).n;
  return !known && names >= MAX_METRIC_NAMES ? refuse(`more than ${MAX_METRIC_NAMES} metric names`) : whole(msg);
}

export function checkConfusion(ctx: Ctx, msg: Of<'confusion'>): Checked<'confusion'> {
  const classes = classIds(ctx),
    n = msg.classIds.length;
  if (msg.classIds.some((id) => !classes.has(id))) return refuse('confusion names an unknown class');
  if (msg.matrix.length !== n || msg.matrix.some((r) => r.length !== n))
    return refuse(`confusion matrix is not ${n}×${n}`);
  return whole(msg);
}

export function checkModel(ctx: Ctx, msg: Of<'model'>): Checked<'model'> {
  const classes = classIds(ctx);
  const bad = Object.keys(msg.counts).filter((k) => !/^\d+$/.test(k) || !classes.has(Number(k)));
  return bad.length ? refuse(`model counts name unknown class ${bad[0].slice(0, 12)}`) : whole(msg);
}

export function checkHead(ctx: Ctx, msg: Of<'head'>): Checked<'head'> {
  const classes = classIds(ctx),
    task = getTask(ctx.session.db);
  if (msg.task !== task) return refuse(`a ${msg.task} head in a ${task ?? 'task-less'} session`);
  if (msg.classIds.length !== msg.C || msg.classIds.some((id) => !classes.has(id)))
    return refuse('head names an unknown class');
  if (base64Bytes(msg.A) !== msg.d * msg.C * 4 || base64Bytes(msg.b) !== msg.C * 4)
    return refuse(`head weights are not ${msg.d}×${msg.C} float32`);
  const r = msg.regions;
  if (r) {
    if (msg.task !== 'segmentation') return refuse('only a segmentation head names regions');
    if (r.classIds.length !== r.C || r.classIds.some((id) => !msg.classIds.includes(id)))
      return refuse('the region head names a class the head does not have');
    if (base64Bytes(r.A) !== r.d * r.C * 4 || base64Bytes(r.b) !== r.C * 4)
      return refuse(`region head weights are not ${r.d}×${r.C} float32`);
  }
  return whole(msg);
}

export function checkPredicted(ctx: Ctx, msg: Of<'predicted'>): Checked<'predicted'> {
  return ctx.pending.has(msg.requestId) ? whole(msg) : refuse('no predict request with that id is waiting');
}

/** frames that carry nothing to check against the session */
export const unchecked = <K extends TrainerToServer['type']>(_ctx: Ctx, msg: Of<K>): Checked<K> => whole(msg);
