// What each segmentation annotation contains, per class: mask pixels and points. Masks are PNG blobs, so
// this is decoded once per annotation version and kept in memory (the server is the only writer; an
// entry is re-read when its updated_at or size changes, and dropped when the row goes). Stats (pixel
// share, images per class) and Browse ("contains class X") read it.
import type { Ctx } from './context.ts';
import { stmt } from './db/prepared.ts';
import { decodeClassMask } from './masks.ts';
import type { Session } from './session.ts';

export interface MaskSummary {
  key: string;
  /** mask pixels per class id */
  pixels: Map<number, number>;
  /** points per class id */
  points: Map<number, number>;
  hasMask: boolean;
}

const caches = new WeakMap<Session, Map<number, MaskSummary>>();
const queue = new WeakMap<Session, Promise<unknown>>();

async function refresh(session: Session): Promise<Map<number, MaskSummary>> {
  const cache = caches.get(session) ?? new Map<number, MaskSummary>();
  caches.set(session, cache);
  const rows = stmt(
    session.db,
    `select image_id as id, updated_at as at, length(mask) as n, points from annotations where kind = 'mask'`,
  ).all() as { id: number; at: number; n: number | null; points: string | null }[];
  const seen = new Set<number>();
  const blob = stmt(session.db, 'select mask from annotations where image_id = ?');
  for (const r of rows) {
    seen.add(r.id);
    const key = `${r.at}:${r.n ?? 0}`;
    if (cache.get(r.id)?.key === key) continue;
    const pixels = new Map<number, number>(),
      points = new Map<number, number>();
    const m = r.n ? (blob.get(r.id) as { mask: Buffer | null }).mask : null;
    if (m) {
      const counts = new Float64Array(256);
      for (const v of (await decodeClassMask(m)).data) counts[v]++;
      counts.forEach((c, v) => {
        if (v && c) pixels.set(v, c);
      });
    }
    for (const p of (r.points ? JSON.parse(r.points) : []) as { classId: number }[])
      points.set(p.classId, (points.get(p.classId) ?? 0) + 1);
    cache.set(r.id, { key, pixels, points, hasMask: !!m });
  }
  for (const id of cache.keys()) if (!seen.has(id)) cache.delete(id);
  return cache;
}

/** Up-to-date summaries of every segmentation annotation, by image id. Passes run one after another (a
 *  caller never gets a pass that started before its own request); one with nothing new is a single query. */
export function maskSummaries(ctx: Ctx): Promise<Map<number, MaskSummary>> {
  const s = ctx.session;
  const p = (queue.get(s) ?? Promise.resolve()).catch(() => undefined).then(() => refresh(s));
  queue.set(s, p);
  return p;
}

/** Images whose annotation contains class `classId` (in its mask or its points). */
export async function imagesContaining(ctx: Ctx, classId: number): Promise<number[]> {
  const out: number[] = [];
  for (const [id, s] of await maskSummaries(ctx)) if (s.pixels.has(classId) || s.points.has(classId)) out.push(id);
  return out;
}
