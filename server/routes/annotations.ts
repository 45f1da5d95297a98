import { Hono } from 'hono';
import type { Ctx } from '../context.ts';
import { intParam, jsonBody } from '../http.ts';
import { acceptPrediction, deleteAnnotation, setAnnotation } from '../annotate.ts';

export function annotator(c: { req: { header(n: string): string | undefined }; get?(k: 'authAnnotator'): string | undefined }): string {
  // a per-annotator token names the annotator; the header is only a display name without one
  const fromToken = c.get?.('authAnnotator');
  if (fromToken) return fromToken;
  const a = (c.req.header('x-annotator') ?? 'anonymous').trim().slice(0, 64);
  return a || 'anonymous';
}

export function annotationRoutes(ctx: Ctx) {
  return new Hono()
    .put('/:id/annotation', async (c) => {
      const id = intParam(c.req.param('id'), 'id');
      const annotation = await setAnnotation(ctx, id, await jsonBody(c), annotator(c));
      return c.json({ annotation });
    })
    .delete('/:id/annotation', (c) => {
      const previous = deleteAnnotation(ctx, intParam(c.req.param('id'), 'id'), annotator(c));
      return c.json({ annotation: null, previous });
    })
    .post('/:id/accept-prediction', async (c) => {
      const annotation = await acceptPrediction(ctx, intParam(c.req.param('id'), 'id'), annotator(c));
      return c.json({ annotation });
    });
}
