// GET /api/images: paging, filters and sort in one SQL query (fast on 100k rows thanks to the indexes).
import { basename } from 'node:path';
import type { Db } from './db/open.ts';
import { AppError } from './errors.ts';
import type { AnnotationMsg } from './protocol.ts';

interface Row { id: number; path: string; width: number; height: number; kind: string | null; a_class: number | null; annotator: string | null; updated_at: number | null; has_mask: number; has_points: number; p_class: number | null; probs: string | null; uncertainty: number | null; p_version: number | null; has_map: number }

function int(v: string | undefined, name: string, def: number, max = Number.MAX_SAFE_INTEGER): number {
  if (v === undefined || v === '') return def;
  if (!/^\d{1,12}$/.test(v)) throw new AppError(400, 'invalid_param', `${name} must be a non-negative integer`);
  return Math.min(Number(v), max);
}

/** `only`: restrict to these ids (server/image-filters.ts); `sort=rank` then keeps their order.
 *  `containing`: the ids of the images whose segmentation annotation holds the class of `contains=` (the
 *  caller reads them from the mask summaries, which need decoding). */
export function listImages(db: Db, q: Record<string, string>, only: number[] | null = null, containing?: number[]) {
  const offset = int(q.offset, 'offset', 0);
  const limit = int(q.limit, 'limit', 50, 500);
  const where: string[] = [];
  const args: (string | number)[] = [];
  if (q.label !== undefined) { where.push(`a.class_id = ? and a.kind != 'skip'`); args.push(int(q.label, 'label', 0)); }
  if (q.unlabelled === '1' || q.unlabelled === 'true') where.push('a.image_id is null');
  if (q.labelled === '1' || q.labelled === 'true') where.push('a.image_id is not null');
  if (q.skipped === '1' || q.skipped === 'true') where.push(`a.kind = 'skip'`);
  if (q.predicted !== undefined) { where.push('p.class_id = ?'); args.push(int(q.predicted, 'predicted', 0)); }
  if (q.wrong === '1' || q.wrong === 'true') where.push(`a.kind = 'label' and p.class_id is not null and p.class_id != a.class_id`);
  // segmentation: a mask saved or not (points alone are no mask), and "contains class X"
  if (q.mask === '1' || q.mask === 'true') where.push('a.mask is not null');
  if (q.mask === '0' || q.mask === 'false') where.push('a.mask is null');
  if (q.contains !== undefined) { int(q.contains, 'contains', 0); where.push('i.id in (select value from json_each(?))'); args.push(JSON.stringify(containing ?? [])); }
  if (q.q) { where.push(`i.path like ? escape '\\'`); args.push(`%${q.q.replace(/[\\%_]/g, (m) => '\\' + m)}%`); }
  const sorts: Record<string, string> = { id: 'i.id asc', '-id': 'i.id desc', uncertainty: 'coalesce(p.uncertainty, -1) desc, i.id asc', confidence: 'coalesce(p.uncertainty, 2) asc, i.id asc', rank: only ? 'o.key asc' : 'i.id asc' };
  // own keys only: sort=__proto__ or constructor must not reach the SQL as an inherited member
  const sort = Object.hasOwn(sorts, q.sort ?? 'id') ? sorts[q.sort ?? 'id'] : undefined;
  if (!sort) throw new AppError(400, 'invalid_param', `sort must be one of ${Object.keys(sorts).join(', ')}`);
  if (only) args.unshift(JSON.stringify(only));
  const from = `from images i ${only ? 'join json_each(?) o on o.value = i.id ' : ''}left join annotations a on a.image_id = i.id left join predictions p on p.image_id = i.id ${where.length ? 'where ' + where.join(' and ') : ''}`;
  const total = (db.$client.prepare(`select count(*) as n ${from}`).get(...args) as { n: number }).n;
  const rows = db.$client.prepare(`select i.id, i.path, i.width, i.height, a.kind, a.class_id as a_class, a.annotator, a.updated_at,
      a.mask is not null as has_mask, a.points is not null as has_points, p.class_id as p_class, p.probs, p.uncertainty,
      p.model_version as p_version, p.map is not null as has_map
      ${from} order by ${sort} limit ? offset ?`).all(...args, limit, offset) as Row[];
  return {
    total, offset, limit,
    items: rows.map((r) => ({
      id: r.id, name: basename(r.path), width: r.width, height: r.height,
      annotation: r.kind ? ({ imageId: r.id, kind: r.kind, classId: r.a_class, hasMask: !!r.has_mask, annotator: r.annotator ?? '', updatedAt: r.updated_at ?? 0 } as AnnotationMsg) : null,
      prediction: r.p_class !== null || r.uncertainty !== null ? {
        classId: r.p_class, uncertainty: r.uncertainty,
        confidence: r.probs && r.p_class !== null ? (JSON.parse(r.probs) as Record<string, number>)[String(r.p_class)] ?? null : null,
        // segmentation: a predicted map exists (Browse shows it when there is no mask) and its model version
        ...(r.has_map ? { map: true, modelVersion: r.p_version } : {}),
      } : null,
    })),
  };
}
