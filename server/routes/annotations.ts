import { Hono } from 'hono';
import { z } from 'zod';
import type { Ctx } from '../context.ts';
import { idParam, json, optionalJson } from '../validate.ts';
import { acceptPrediction, deleteAnnotation, setAnnotation } from '../annotate.ts';
import { annotationInput } from '../tasks/index.ts';
import { annotatorOf } from '../identity.ts';

/** The optional body of accept-prediction: `{ "modelVersion": n }`, the version the annotator saw. */
const seen = z.object({
  modelVersion: z
    .number({ error: 'modelVersion must be a non-negative integer' })
    .int({ error: 'modelVersion must be a non-negative integer' })
    .min(0, { error: 'modelVersion must be a non-negative integer' })
    .nullish(),
});

export function annotationRoutes(ctx: Ctx) {
  return new Hono()
    .put('/:id/annotation', idParam, json(annotationInput, { '*': 'invalid_annotation' }), async (c) => {
      const annotation = await setAnnotation(
        ctx,
        c.req.valid('param').id,
        c.req.valid('json'),
        annotatorOf(c).annotator,
      );
      return c.json({ annotation });
    })
    .delete('/:id/annotation', idParam, (c) => {
      const previous = deleteAnnotation(ctx, c.req.valid('param').id, annotatorOf(c).annotator);
      return c.json({ annotation: null, previous });
    })
    .post('/:id/accept-prediction', idParam, optionalJson(seen, { '*': 'invalid_param' }), async (c) => {
      const annotation = await acceptPrediction(
        ctx,
        c.req.valid('param').id,
        annotatorOf(c).annotator,
        c.req.valid('json')?.modelVersion ?? undefined,
      );
      return c.json({ annotation });
    });
}
