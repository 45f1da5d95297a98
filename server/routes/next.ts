import { Hono } from 'hono';
import { z } from 'zod';
import type { Ctx } from '../context.ts';
import { nextImage } from '../next.ts';
import { DEFAULT_STRATEGY, strategyList } from '../strategies.ts';
import { annotatorOf } from '../identity.ts';
import { qstr, query } from '../validate.ts';

/** the values are checked by nextImage and the strategy (their own codes and messages) */
const nextQuery = z
  .object({ strategy: qstr, class: qstr, after: qstr, before: qstr, exclude: qstr, annotator: qstr })
  .partial()
  .catchall(qstr);

export function nextRoutes(ctx: Ctx) {
  return new Hono().get('/', query(nextQuery), (c) => {
    const q = c.req.valid('query');
    const who = annotatorOf(c);
    // ?annotator= names a claim holder for scripts and benches; a token's identity can't be overridden
    const me = who.authenticated || !q.annotator ? who.claimKey : `name:${q.annotator.slice(0, 64)}`;
    return c.json(
      nextImage(ctx.session.db, {
        ...q,
        annotator: me,
        claimTtlMs: ctx.config.claimTtlMs,
        trainerOnline: ctx.trainer.online,
      }),
    );
  });
}

/** GET /api/strategies: the registry, so the UI lists what the server can pick, and what a new session
 *  starts with per task (`defaults`). */
export function strategyRoutes() {
  return new Hono().get('/', (c) => c.json({ strategies: strategyList(), defaults: DEFAULT_STRATEGY }));
}
