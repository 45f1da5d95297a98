// Segmentation on the server: points and a class-index mask per image; accept writes the predicted map
// refined to the image's edges (your own pixels and points kept); csv, jsonl, coco and masks export;
// /api/stats counts from masks and points; an import brings COCO masks.
import { z } from 'zod';
import type { AnnotationRow } from '../db/schema.ts';
import { AppError } from '../errors.ts';
import { cocoMask, ensureClasses, writeMasks } from '../import/labels.ts';
import { decodeClassMask, encodeClassMask } from '../masks.ts';
import { isSegPrediction, refinedPrediction } from '../seg-prediction.ts';
import { segClassStats } from '../seg-stats.ts';
import { decodeMaskChecked } from '../security/decode.ts';
import { lockTask, listClasses } from '../store.ts';
import type { ServerTask } from './task.ts';

const NAME = 'segmentation';
const base64Bytes = (s: string) => Math.floor((s.length * 3) / 4) - (s.endsWith('==') ? 2 : s.endsWith('=') ? 1 : 0);
const point = z.object(
  { classId: z.number(), x: z.number(), y: z.number() },
  { error: 'each point needs a numeric classId, x and y' },
);
const mask = z.object({
  kind: z.literal('mask'),
  points: z
    .array(point, { error: 'points must be an array (at most 10000)' })
    .max(10000, { error: 'points must be an array (at most 10000)' })
    .nullish(),
  mask: z.string({ error: 'mask must be a base64 PNG string' }).nullish(),
});
export type SegmentationInput = z.infer<typeof mask>;

export const segmentation = {
  name: NAME,
  inputs: [mask] as const,
  kinds: ['mask'] as const,
  async annotation(img, body, { annotator, now }) {
    const points = body.points ?? [];
    const used = new Set<number>();
    for (const p of points) {
      if (!(p.x >= 0 && p.x <= img.width && p.y >= 0 && p.y <= img.height)) {
        throw new AppError(
          400,
          'invalid_annotation',
          `each point needs a known classId and x,y inside the ${img.width}×${img.height} image`,
        );
      }
      used.add(p.classId);
    }
    let png: Buffer | null = null;
    if (body.mask !== undefined && body.mask !== null) {
      // the header is checked against the image before anything is decoded (a small PNG can declare 16000×16000)
      const m = await decodeMaskChecked(Buffer.from(body.mask, 'base64'), img);
      const seen = new Uint8Array(256);
      for (let i = 0; i < m.data.length; i++) seen[m.data[i]] = 1;
      for (let v = 1; v < 256; v++) if (seen[v]) used.add(v);
      png = seen.some((x, v) => v > 0 && x === 1) ? await encodeClassMask(m) : null;
    }
    const row: AnnotationRow = {
      imageId: img.id,
      kind: 'mask',
      classId: null,
      points: points as AnnotationRow['points'],
      mask: png,
      annotator,
      updatedAt: now,
    };
    return { row, classIds: [...used] };
  },
  checkClasses(db, ids) {
    const known = new Set(listClasses(db).map((k) => k.id));
    const bad = ids.find((id) => !known.has(id));
    if (bad !== undefined)
      throw new AppError(
        400,
        'invalid_annotation',
        `class id ${bad} (in the points or as a mask pixel value) is not a class of this session`,
      );
  },
  async accepted(img, p, before) {
    // an image's map arrives when it is looked at (focused); the pool gets class and uncertainty only
    if (!isSegPrediction(p))
      throw new AppError(409, 'no_prediction', `the predicted map of image ${img.id} has not arrived yet`);
    const mine = before?.mask ? (await decodeClassMask(Buffer.from(before.mask))).data : null;
    // your strokes are evidence for the rest of the image, and they stay as they are
    const refined = await refinedPrediction(img, p, undefined, mine);
    if (refined.width !== img.width || refined.height !== img.height) {
      throw new AppError(
        409,
        'image_changed',
        `image ${img.id} decodes to ${refined.width}×${refined.height}, not the ${img.width}×${img.height} it was imported as`,
      );
    }
    const data = refined.data;
    if (mine) for (let i = 0; i < data.length; i++) if (mine[i]) data[i] = mine[i];
    const png = await encodeClassMask({ data, width: img.width, height: img.height });
    return { kind: 'mask', points: before?.points ?? [], mask: png.toString('base64') };
  },
  prediction: {
    noun: 'a segmentation map',
    owns: (p) => 'map' in p,
    problem(p, classes) {
      if (!('map' in p)) return null;
      if (p.classId !== null && !classes.has(p.classId)) return `unknown class ${p.classId}`;
      const bad = p.classIds.find((id) => !classes.has(id));
      if (bad !== undefined) return `unknown class ${bad}`;
      if (new Set(p.classIds).size !== p.classIds.length) return 'repeated class ids';
      if (base64Bytes(p.map) !== p.classIds.length * p.width * p.height)
        return `map is not ${p.classIds.length}×${p.height}×${p.width} bytes`;
      return null;
    },
  },
  exportFormats: ['csv', 'jsonl', 'coco', 'masks'],
  // images containing the class, its mask pixels and their share, its points (not labels)
  async stats(ctx) {
    const s = await segClassStats(ctx);
    return { perClass: s.perClass, extra: { segmentation: { labelledPixels: s.labelledPixels, masks: s.masks } } };
  },
  importer: {
    entries: (plan, imported) => plan.entries.filter((e) => e.coco && imported.has(e)),
    // classes first (ids needed to paint), masks rasterised outside the transaction
    async apply(session, plan, entries, imported, report, lock) {
      const { db } = session;
      const cats = plan.categories ?? [];
      const usedCats = new Set(entries.flatMap((e) => e.coco!.anns.map((a) => a.categoryId)));
      let classOf = new Map<number, number>();
      db.transaction(() => {
        const byName = ensureClasses(
          db,
          cats.filter((c) => usedCats.has(c.id)).map((c) => ({ name: c.name, preferId: c.id })),
          report.classesCreated,
        );
        classOf = new Map(cats.filter((c) => byName.has(c.name)).map((c) => [c.id, byName.get(c.name)!]));
      });
      const masks: { imageId: number; png: Buffer }[] = [];
      for (const e of entries) {
        const img = imported.get(e)!,
          c = e.coco!;
        if ((c.width && c.width !== img.width) || (c.height && c.height !== img.height)) {
          report.warnings.push(
            `${e.file}: COCO size ${c.width}×${c.height} is not the image's ${img.width}×${img.height}; mask not imported`,
          );
          continue;
        }
        const png = await cocoMask(c.anns, img.width, img.height, classOf);
        if (typeof png === 'string') report.warnings.push(`${e.file}: ${png}; mask not imported`);
        else masks.push({ imageId: img.id, png });
      }
      db.transaction(() => {
        report.masksSet = writeMasks(db, masks);
        if (lock && report.masksSet) lockTask(db, NAME);
      });
    },
  },
} satisfies ServerTask<SegmentationInput>;
