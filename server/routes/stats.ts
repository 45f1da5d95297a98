import { Hono } from 'hono';
import type { Ctx } from '../context.ts';
import { sessionStats } from '../stats.ts';

export function statsRoutes(ctx: Ctx) {
  return new Hono().get('/', (c) => c.json(sessionStats(ctx.session.db)));
}
