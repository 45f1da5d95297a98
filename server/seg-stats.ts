// Segmentation's per-class counts for /api/stats, from masks and points (not labels): images containing
// the class, its mask pixels and their share of all labelled pixels, and its points.
import type { Ctx } from './context.ts';
import { maskSummaries } from './mask-summary.ts';
import { listClasses } from './store.ts';

export interface SegClassStat {
  classId: number;
  name: string;
  color: string;
  count: number;
  pixels: number;
  share: number;
  points: number;
}

export async function segClassStats(
  ctx: Ctx,
): Promise<{ perClass: SegClassStat[]; labelledPixels: number; masks: number }> {
  const sums = await maskSummaries(ctx);
  const images = new Map<number, number>(),
    pixels = new Map<number, number>(),
    points = new Map<number, number>();
  let total = 0,
    masks = 0;
  for (const s of sums.values()) {
    if (s.hasMask) masks++;
    const here = new Set<number>([...s.pixels.keys(), ...s.points.keys()]);
    for (const k of here) images.set(k, (images.get(k) ?? 0) + 1);
    for (const [k, n] of s.pixels) {
      pixels.set(k, (pixels.get(k) ?? 0) + n);
      total += n;
    }
    for (const [k, n] of s.points) points.set(k, (points.get(k) ?? 0) + n);
  }
  const perClass = listClasses(ctx.session.db).map((k) => ({
    classId: k.id,
    name: k.name,
    color: k.color,
    count: images.get(k.id) ?? 0,
    pixels: pixels.get(k.id) ?? 0,
    share: total ? (pixels.get(k.id) ?? 0) / total : 0,
    points: points.get(k.id) ?? 0,
  }));
  return { perClass, labelledPixels: total, masks };
}
