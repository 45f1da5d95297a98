import { Hono } from 'hono';
import { createReadStream, existsSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { Ctx } from '../context.ts';
import { z } from 'zod';
import { idParam, qstr, query } from '../validate.ts';
import { AppError } from '../errors.ts';
import { annotationMsg, getAnnotation, getImage, getPrediction, imageName, predictionMsg } from '../store.ts';
import { listImages } from '../images-query.ts';
import { imageBytes, imageFileBody } from '../image-files.ts';
import { imagePosition } from '../counters.ts';
import { onlyIds } from '../image-sets.ts';
import { ensureThumb } from '../import/thumbs.ts';
import { maskThumbPlan } from '../mask-thumb.ts';
import { imagesContaining } from '../mask-summary.ts';

/** GET /api/images' parameters (images-filters.ts checks their values; others are kept as they come) */
const listQuery = z
  .object({
    offset: qstr,
    limit: qstr,
    cursor: qstr,
    label: qstr,
    unlabelled: qstr,
    labelled: qstr,
    skipped: qstr,
    predicted: qstr,
    wrong: qstr,
    q: qstr,
    sort: qstr,
    review: qstr,
    cell: qstr,
    ids: qstr,
    mask: qstr,
    contains: qstr,
  })
  .partial()
  .catchall(qstr);

export function imageRoutes(ctx: Ctx) {
  const db = () => ctx.session.db;
  return new Hono()
    .get('/', query(listQuery), async (c) => {
      const q = c.req.valid('query');
      const containing =
        q.contains !== undefined && /^\d{1,12}$/.test(q.contains)
          ? await imagesContaining(ctx, Number(q.contains))
          : undefined;
      return c.json(listImages(db(), q, onlyIds(db(), q), containing));
    })
    .get('/:id', idParam, (c) => {
      const img = getImage(db(), c.req.valid('param').id);
      const { index, total } = imagePosition(db(), img.id);
      const p = getPrediction(db(), img.id);
      return c.json({
        image: { id: img.id, name: imageName(img), width: img.width, height: img.height },
        annotation: annotationMsg(getAnnotation(db(), img.id)),
        // the model version goes back with accept-prediction: what was shown is what gets accepted
        prediction: p ? { ...predictionMsg(p)!, modelVersion: p.modelVersion } : null,
        index,
        total,
      });
    })
    .get('/:id/file', idParam, async (c) => {
      const img = getImage(db(), c.req.valid('param').id);
      const etag = `"${img.sha256.slice(0, 32)}"`;
      if (c.req.header('if-none-match') === etag) return c.body(null, 304);
      const f = await imageFileBody(db(), img);
      return c.body(f.body, 200, {
        'Cache-Control': 'private, max-age=86400, immutable',
        ETag: etag,
        'Content-Type': f.type,
        ...(f.length !== undefined ? { 'Content-Length': String(f.length) } : {}),
      });
    })
    .get('/:id/thumb', idParam, async (c) => {
      const img = getImage(db(), c.req.valid('param').id);
      const file = join(ctx.session.dir, 'thumbs', `${img.id}.webp`);
      const headers = {
        'Cache-Control': 'private, max-age=86400',
        'Content-Type': 'image/webp',
        ETag: `"t${img.sha256.slice(0, 32)}"`,
      };
      if (existsSync(file)) return c.body(Readable.toWeb(createReadStream(file)) as ReadableStream, 200, headers);
      // a thumbnail gone missing (thumbs/ deleted by hand) is made again from the image as imported
      const data = await imageBytes(img);
      await ensureThumb(ctx.session.dir, img.id, data).catch(() => null);
      if (!existsSync(file)) throw new AppError(422, 'unreadable_image', `image ${img.id} can not be thumbnailed`);
      return c.body(Readable.toWeb(createReadStream(file)) as ReadableStream, 200, headers);
    })
    .get('/:id/mask-thumb', idParam, async (c) => {
      const plan = maskThumbPlan(db(), c.req.valid('param').id);
      if (!plan) throw new AppError(404, 'no_mask', 'this image has neither a mask nor a predicted map');
      const headers = { 'Cache-Control': 'private, no-cache', ETag: plan.etag, 'X-Mask-Source': plan.source };
      if (c.req.header('if-none-match') === plan.etag) return c.body(null, 304, headers);
      return c.body(new Uint8Array(await plan.render()), 200, { ...headers, 'Content-Type': 'image/png' });
    })
    .get('/:id/mask', idParam, (c) => {
      const img = getImage(db(), c.req.valid('param').id);
      const a = getAnnotation(db(), img.id);
      if (!a?.mask) throw new AppError(404, 'no_mask', `image ${img.id} has no mask`);
      return c.body(new Uint8Array(a.mask), 200, { 'Content-Type': 'image/png', 'Cache-Control': 'no-cache' });
    });
}
