import { Hono } from 'hono';
import type { Ctx } from '../context.ts';
import { nextImage } from '../next.ts';
import { strategyList } from '../strategies.ts';
import { annotator } from './annotations.ts';

export function nextRoutes(ctx: Ctx) {
  return new Hono().get('/', (c) => {
    const q = c.req.query();
    // a per-annotator credential decides whose claim this is, not the query
    return c.json(nextImage(ctx.session.db, { ...q, annotator: c.get('authAnnotator') || q.annotator || annotator(c), claimTtlMs: ctx.config.claimTtlMs }));
  });
}

/** GET /api/strategies: the registry, so the UI lists what the server can pick. */
export function strategyRoutes() {
  return new Hono().get('/', (c) => c.json({ strategies: strategyList() }));
}
