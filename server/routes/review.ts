// Likely label errors: GET /api/review (ranked, as the server filters them now), POST /api/review/:id/keep
// (the label is right: it leaves the queue until it changes). GET /api/hints: what needs attention.
import { Hono } from 'hono';
import type { Ctx } from '../context.ts';
import { AppError } from '../errors.ts';
import { z } from 'zod';
import { idParam, qstr, quint, query } from '../validate.ts';
import { currentHints, getReview, keepLabel, reviewQueue } from '../insights.ts';
import { getAnnotation, getImage } from '../store.ts';
import { MAX_REVIEW_FLAGGED } from '../../common/protocol.ts';

export function reviewRoutes(ctx: Ctx) {
  return new Hono()
    .get('/', query(z.object({ limit: quint('limit'), flagged: qstr.optional() })), (c) => {
      const db = ctx.session.db,
        q = c.req.valid('query');
      const limit = Math.min(MAX_REVIEW_FLAGGED, q.limit ?? 50);
      const r = getReview(db);
      const items = reviewQueue(db, { flaggedOnly: q.flagged === '1' || q.flagged === 'true' });
      return c.json({
        modelVersion: r?.modelVersion ?? null,
        method: r?.method ?? null,
        folds: r?.folds ?? 0,
        at: r?.at ?? null,
        labelled: r?.labelled ?? 0,
        // why there is no list yet (too few labels per class for held-out heads); null when there is one
        waiting: r?.waiting ?? null,
        agreement: r?.agreement ?? null,
        total: items.length,
        flagged: items.filter((i) => i.flagged).length,
        items: items
          .slice(0, limit)
          .map(({ id, given, suggested, score, flagged }) => ({ id, given, suggested, score, flagged })),
      });
    })
    .post('/:id/keep', idParam, (c) => {
      const db = ctx.session.db;
      const id = getImage(db, c.req.valid('param').id).id;
      const a = getAnnotation(db, id);
      if (!a || a.kind === 'skip') throw new AppError(409, 'not_labelled', `image ${id} has no label to keep`);
      keepLabel(db, id, a.updatedAt);
      ctx.bus.emit('browser', { type: 'changed', what: 'review', modelVersion: getReview(db)?.modelVersion ?? 0 });
      return c.json({ kept: { id, updatedAt: a.updatedAt } });
    });
}

export function hintRoutes(ctx: Ctx) {
  return new Hono().get('/', (c) => c.json(currentHints(ctx)));
}
