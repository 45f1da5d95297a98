// Every trainer → server frame type, one entry each: how it is checked against the session (P8), kept (so a
// browser that connects later, or a restart, sees it) and announced (to browsers, or to whoever waits for it).
// The mapped type makes a frame type without an entry a compile error; the hub runs the three steps in order
// for every frame (hub-trainer.ts), so no code anywhere else branches on a trainer frame's type.
import type { Ctx } from './context.ts';
import { stmt } from './db/prepared.ts';
import type { Client, Hub } from './hub-types.ts';
import { isClosedDb } from './errors.ts';
import { checkInsight } from './insight-check.ts';
import { persistInsight } from './insights.ts';
import { deltaWriter } from './prediction-writer.ts';
import type { TrainerToServer } from '../common/protocol.ts';
import { assembleReview } from './review-parts.ts';
import { setSetting } from './session.ts';
import {
  checkConfusion,
  checkDeltas,
  checkHead,
  checkMetric,
  checkModel,
  checkPredicted,
  checkPredictions,
  checkSuggestions,
  unchecked,
  type Checked,
} from './trainer-check.ts';
import {
  persistConfusion,
  persistHead,
  persistMetric,
  persistModel,
  persistPredictions,
  persistSuggestions,
} from './trainer-sink.ts';

export type FrameType = TrainerToServer['type'];
type Of<K extends FrameType> = Extract<TrainerToServer, { type: K }>;
/** the session and the socket a frame came in on */
export interface FrameCtx {
  ctx: Ctx;
  hub: Hub;
  c: Client;
}

export interface FrameEntry<K extends FrameType> {
  /** P8: what may be kept of it (null: dropped whole); every reason goes back to the trainer in one error frame */
  check(ctx: Ctx, msg: Of<K>): Checked<K>;
  /** keep it (a throw answers `rejected` and announces nothing) */
  persist?(f: FrameCtx, msg: Of<K>): void;
  /** tell whoever needs to know */
  announce?(f: FrameCtx, msg: Of<K>): void;
}

const strategiesNow = (ctx: Ctx) =>
  (stmt(ctx.session.db, 'select strategy from suggestions').all() as { strategy: string }[]).map((r) => r.strategy);
const savedAt = new WeakMap<Ctx, number>();
/** browsers that show a model-quality result read it over HTTP (GET /api/evaluation, /api/review, /api/hints) */
const changed = ({ hub }: FrameCtx, msg: Of<'evaluation' | 'review' | 'hints'>) =>
  hub.toBrowsers({ type: 'changed', what: msg.type, modelVersion: msg.modelVersion });

export const TRAINER_FRAMES: { [K in FrameType]: FrameEntry<K> } = {
  hello: {
    check: unchecked,
    announce: ({ hub, c }) =>
      hub.send(c.ws, { type: 'error', code: 'unexpected_hello', message: 'already said hello' }),
  },
  ping: { check: unchecked, announce: ({ hub, c }) => hub.send(c.ws, { type: 'pong' }) },
  status: {
    check: unchecked,
    // kept for a restart: a change of phase at once, progress at most once a second (a DB write each)
    persist: ({ ctx }, msg) => {
      const was = ctx.trainer.status;
      if (!was || was.phase !== msg.status.phase || Date.now() - (savedAt.get(ctx) ?? 0) > 1000) {
        setSetting(ctx.session.db, 'trainer', msg.status);
        savedAt.set(ctx, Date.now());
      }
      ctx.trainer.status = msg.status;
    },
    announce: ({ hub }, msg) => hub.toBrowsers({ type: 'trainer', online: true, status: msg.status }),
  },
  predictions: {
    check: checkPredictions,
    persist: ({ ctx }, msg) => persistPredictions(ctx, msg),
    // full predictions go to the browsers looking at those images
    announce: ({ hub }, msg) => {
      for (const b of hub.browsers)
        for (const p of msg.items)
          if (b.focus.includes(p.imageId))
            hub.send(b.ws, { type: 'prediction', modelVersion: msg.modelVersion, prediction: p });
    },
  },
  deltas: {
    check: checkDeltas,
    // queued and written in the background in short transactions (prediction-writer.ts)
    persist: ({ ctx, hub, c }, msg) => {
      const w = deltaWriter(ctx);
      w.onDropped = (n) =>
        hub.send(c.ws, {
          type: 'error',
          code: 'dropped',
          message: `deltas: dropped ${n} item(s) naming unknown images`,
        });
      const error = w.enqueue(msg.modelVersion, msg.classIds, msg.n, msg.data);
      if (error) hub.send(c.ws, { type: 'error', code: 'invalid_frame', message: `deltas: ${error}` });
    },
  },
  suggestions: {
    check: checkSuggestions,
    persist: ({ ctx }, msg) => persistSuggestions(ctx, msg),
    announce: ({ hub }, msg) =>
      hub.toBrowsers({ type: 'suggestions', modelVersion: msg.modelVersion, strategies: Object.keys(msg.lists) }),
  },
  metric: {
    check: checkMetric,
    persist: ({ ctx }, msg) => persistMetric(ctx, msg),
    announce: ({ hub }, msg) => hub.toBrowsers({ type: 'metric', name: msg.name, step: msg.step, value: msg.value }),
  },
  model: { check: checkModel, persist: ({ ctx }, msg) => persistModel(ctx, msg) },
  confusion: { check: checkConfusion, persist: ({ ctx }, msg) => persistConfusion(ctx, msg) },
  head: { check: checkHead, persist: ({ ctx }, msg) => persistHead(ctx, msg) },
  // the answer to POST /api/predict: to the request waiting for it
  predicted: { check: checkPredicted, announce: ({ ctx }, msg) => ctx.pending.get(msg.requestId)?.(msg) },
  evaluation: { check: checkInsight, persist: ({ ctx }, msg) => persistInsight(ctx, msg), announce: changed },
  hints: { check: checkInsight, persist: ({ ctx }, msg) => persistInsight(ctx, msg), announce: changed },
  review: {
    // a list in parts is held until its last part, then checked, kept and announced whole
    check: (ctx, msg) => {
      const r = checkInsight(ctx, msg);
      return { msg: r.msg && assembleReview(ctx, r.msg), dropped: r.dropped };
    },
    persist: ({ ctx }, msg) => persistInsight(ctx, msg),
    announce: (f, msg) => {
      changed(f, msg);
      // the review walk follows the new ranking
      f.hub.toBrowsers({ type: 'suggestions', modelVersion: msg.modelVersion, strategies: strategiesNow(f.ctx) });
    },
  },
};

/** check → persist → announce, for one frame, by its entry */
export function runFrame<K extends FrameType>(f: FrameCtx, entry: FrameEntry<K>, frame: Of<K>): void {
  const { msg, dropped } = entry.check(f.ctx, frame);
  if (dropped.length)
    f.hub.send(f.c.ws, {
      type: 'error',
      code: 'dropped',
      message: `${frame.type}: dropped ${dropped.join('; ')}`.slice(0, 1000),
    });
  if (!msg) return;
  try {
    entry.persist?.(f, msg);
  } catch (e) {
    if (isClosedDb(e)) throw e; // a reset closed the database: the socket's handler answers it
    f.hub.send(f.c.ws, { type: 'error', code: 'rejected', message: (e as Error).message });
    return;
  }
  entry.announce?.(f, msg);
}
