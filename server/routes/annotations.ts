import { Hono } from 'hono';
import type { Ctx } from '../context.ts';
import { intParam, jsonBody } from '../http.ts';
import { AppError } from '../errors.ts';
import { acceptPrediction, deleteAnnotation, setAnnotation } from '../annotate.ts';
import { annotatorOf } from '../identity.ts';

/** The optional JSON body of accept-prediction: `{ "modelVersion": n }`, the version the annotator saw. */
async function seenVersion(c: { req: { text(): Promise<string> } }): Promise<number | undefined> {
  const text = (await c.req.text()).trim();
  if (!text) return undefined;
  let body: unknown;
  try { body = JSON.parse(text); } catch { throw new AppError(400, 'invalid_json', 'request body is not valid JSON'); }
  const v = (body as { modelVersion?: unknown } | null)?.modelVersion;
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new AppError(400, 'invalid_param', 'modelVersion must be a non-negative integer');
  return v;
}

export function annotationRoutes(ctx: Ctx) {
  return new Hono()
    .put('/:id/annotation', async (c) => {
      const id = intParam(c.req.param('id'), 'id');
      const annotation = await setAnnotation(ctx, id, await jsonBody(c), annotatorOf(c).annotator);
      return c.json({ annotation });
    })
    .delete('/:id/annotation', (c) => {
      const previous = deleteAnnotation(ctx, intParam(c.req.param('id'), 'id'), annotatorOf(c).annotator);
      return c.json({ annotation: null, previous });
    })
    .post('/:id/accept-prediction', async (c) => {
      const id = intParam(c.req.param('id'), 'id');
      const annotation = await acceptPrediction(ctx, id, annotatorOf(c).annotator, await seenVersion(c));
      return c.json({ annotation });
    });
}
