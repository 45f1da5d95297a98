// What deleting a class touches: classification labels of it, and segmentation masks/points containing it.
import type { Ctx } from './context.ts';
import { decodeClassMask, encodeClassMask } from './masks.ts';
import { stmt } from './db/prepared.ts';

interface MaskRow {
  image_id: number;
  mask: Buffer | null;
  points: string | null;
}

/** Segmentation annotations that contain class `id` (in mask pixels or points), decoded. */
async function segmentationHits(ctx: Ctx, id: number) {
  const rows = stmt(
    ctx.session.db,
    `select image_id, mask, points from annotations where kind = 'mask'`,
  ).all() as MaskRow[];
  const hits: {
    imageId: number;
    mask: Awaited<ReturnType<typeof decodeClassMask>> | null;
    points: { classId: number }[];
    inMask: boolean;
    inPoints: boolean;
  }[] = [];
  for (const r of rows) {
    const points = r.points ? (JSON.parse(r.points) as { classId: number }[]) : [];
    const inPoints = points.some((p) => p.classId === id);
    const mask = r.mask ? await decodeClassMask(r.mask) : null;
    const inMask = !!mask && mask.data.includes(id);
    if (inMask || inPoints) hits.push({ imageId: r.image_id, mask, points, inMask, inPoints });
  }
  return hits;
}

export async function classUsage(
  ctx: Ctx,
  id: number,
): Promise<{ annotations: number; labels: number; masks: number; points: number }> {
  const labels = (
    stmt(ctx.session.db, `select count(*) as n from annotations where class_id = ? and kind = 'label'`).get(id) as {
      n: number;
    }
  ).n;
  const seg = await segmentationHits(ctx, id);
  const points = seg.reduce((a, h) => a + h.points.filter((p) => p.classId === id).length, 0);
  return { annotations: labels + seg.length, labels, masks: seg.filter((h) => h.inMask).length, points };
}

/** New mask PNGs and point lists for the segmentation annotations that lose class `id` (computed before the write). */
export async function stripClassFromMasks(
  ctx: Ctx,
  id: number,
): Promise<{ imageId: number; mask: Buffer | null; points: string }[]> {
  const out = [];
  for (const h of await segmentationHits(ctx, id)) {
    let mask: Buffer | null = null;
    if (h.mask) {
      let any = false;
      for (let i = 0; i < h.mask.data.length; i++) {
        if (h.mask.data[i] === id) h.mask.data[i] = 0;
        else if (h.mask.data[i]) any = true;
      }
      mask = any ? await encodeClassMask(h.mask) : null;
    }
    out.push({ imageId: h.imageId, mask, points: JSON.stringify(h.points.filter((p) => p.classId !== id)) });
  }
  return out;
}
