// Frames from the trainer: validated (P4), checked against the session (P8), persisted, then
// rebroadcast to browsers (P6). What was dropped is answered with one `error` frame.
import type { Ctx } from './context.ts';
import { stmt } from './db/prepared.ts';
import type { Client, Hub } from './hub-types.ts';
import { MAX_FRAME_ITEMS, trainerToServer, validateFrame, type TrainerToServer } from './protocol.ts';
import { setSetting } from './session.ts';
import { checkTrainerFrame } from './trainer-check.ts';
import { persistTrainerFrame } from './trainer-sink.ts';
import { deltaWriter } from './prediction-writer.ts';
import { timed } from './loop-stats.ts';
import { isInsight } from './insight-check.ts';
import { assembleReview } from './review-parts.ts';

const strategiesNow = (ctx: Ctx) => (stmt(ctx.session.db, 'select strategy from suggestions').all() as { strategy: string }[]).map((r) => r.strategy);

/** JSON, then a count of a batch's items before the (much costlier) schema validation of each one. */
function parse(text: string) {
  let data: unknown;
  try { data = JSON.parse(text); } catch { return { ok: false as const, error: 'frame is not valid JSON' }; }
  const items = (data as { items?: unknown } | null)?.items;
  if (Array.isArray(items) && items.length > MAX_FRAME_ITEMS) return { ok: false as const, error: `items: at most ${MAX_FRAME_ITEMS} per frame, got ${items.length}` };
  return validateFrame(trainerToServer, data);
}

const savedAt = new WeakMap<Ctx, number>();

export function onTrainerFrame(ctx: Ctx, hub: Hub, c: Client, text: string): void {
  timed('frame', () => {
    const r = timed('parse', () => parse(text));
    if (!r.ok) { hub.send(c.ws, { type: 'error', code: 'invalid_frame', message: r.error }); return; }
    timed(r.msg.type, () => handle(ctx, hub, c, r.msg));
  });
}

function handle(ctx: Ctx, hub: Hub, c: Client, m: TrainerToServer): void {
  if (m.type === 'ping') { hub.send(c.ws, { type: 'pong' }); return; }
  if (m.type === 'hello') { hub.send(c.ws, { type: 'error', code: 'unexpected_hello', message: 'already said hello' }); return; }
  const { msg: checked, dropped } = checkTrainerFrame(ctx, m);
  if (dropped.length) hub.send(c.ws, { type: 'error', code: 'dropped', message: `${m.type}: dropped ${dropped.join('; ')}`.slice(0, 1000) });
  // a review list in parts is kept and announced once whole
  const msg = checked?.type === 'review' ? assembleReview(ctx, checked) : checked;
  if (!msg) return;
  if (msg.type === 'predicted') { ctx.pending.get(msg.requestId)?.(msg); return; }
  if (msg.type === 'deltas') {
    const w = deltaWriter(ctx);
    w.onDropped = (n) => hub.send(c.ws, { type: 'error', code: 'dropped', message: `deltas: dropped ${n} item(s) naming unknown images` });
    const error = w.enqueue(msg.modelVersion, msg.classIds, msg.n, msg.data);
    if (error) hub.send(c.ws, { type: 'error', code: 'invalid_frame', message: `deltas: ${error}` });
    return;
  }
  try {
    persistTrainerFrame(ctx, msg);
  } catch (e) {
    hub.send(c.ws, { type: 'error', code: 'rejected', message: (e as Error).message }); return;
  }
  if (msg.type === 'status') {
    // kept for a restart: a change of phase at once, progress at most once a second (a DB write each)
    const was = ctx.trainer.status;
    if (!was || was.phase !== msg.status.phase || Date.now() - (savedAt.get(ctx) ?? 0) > 1000) { setSetting(ctx.session.db, 'trainer', msg.status); savedAt.set(ctx, Date.now()); }
    ctx.trainer.status = msg.status;
    hub.toBrowsers({ type: 'trainer', online: true, status: msg.status });
  } else if (msg.type === 'predictions') {
    for (const b of hub.browsers) {
      for (const p of msg.items) if (b.focus.includes(p.imageId)) hub.send(b.ws, { type: 'prediction', modelVersion: msg.modelVersion, prediction: p });
    }
  } else if (msg.type === 'suggestions') {
    hub.toBrowsers({ type: 'suggestions', modelVersion: msg.modelVersion, strategies: Object.keys(msg.lists) });
  } else if (msg.type === 'metric') {
    hub.toBrowsers({ type: 'metric', name: msg.name, step: msg.step, value: msg.value });
  } else if (isInsight(msg)) {
    // small: browsers that show it read the result over HTTP (GET /api/evaluation, /api/review, /api/hints)
    hub.toBrowsers({ type: 'changed', what: msg.type, modelVersion: msg.modelVersion });
    if (msg.type === 'review') hub.toBrowsers({ type: 'suggestions', modelVersion: msg.modelVersion, strategies: strategiesNow(ctx) });
  }
}
