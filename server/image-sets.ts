// Browse filters that name a set of images rather than a property of each row: the review queue (in its
// order), the val images of one confusion-matrix cell, or an explicit id list (a hint's images). Resolved
// here to ids for GET /api/images; null when the query asks for none of them.
import type { Db } from './db/open.ts';
import { AppError } from './errors.ts';
import { getEvaluation, reviewQueue } from './insights.ts';

export function onlyIds(db: Db, q: Record<string, string>): number[] | null {
  if (q.review === '1' || q.review === 'true') return reviewQueue(db, { flaggedOnly: true }).map((i) => i.id);
  if (q.cell !== undefined) {
    const m = /^(\d{1,12}):(\d{1,12})$/.exec(q.cell);
    if (!m) throw new AppError(400, 'invalid_param', 'cell must be <given class id>:<predicted class id>');
    const ev = getEvaluation(db);
    const [given, predicted] = [Number(m[1]), Number(m[2])];
    return ev
      ? ev.images
          .filter((r) => r.given === given && r.predicted === predicted)
          .sort((a, b) => b.loss - a.loss || a.id - b.id)
          .map((r) => r.id)
      : [];
  }
  if (q.ids !== undefined) {
    if (!/^\d{1,12}(,\d{1,12}){0,499}$/.test(q.ids))
      throw new AppError(400, 'invalid_param', 'ids must be a comma-separated list of at most 500 image ids');
    return [...new Set(q.ids.split(',').map(Number))];
  }
  return null;
}
