// The query string of GET /api/images, checked and turned into SQL conditions on aliases i (images),
// a (annotations) and p (predictions), plus which kept counters give the total when one does.
import { AppError } from './errors.ts';

/** `rank` keeps the order of a set of images (server/image-sets.ts); without one it is id order */
export type Sort = 'id' | '-id' | 'uncertainty' | 'confidence' | 'rank';
const SORTS: readonly Sort[] = ['id', '-id', 'uncertainty', 'confidence', 'rank'];

export interface Filters {
  conds: string[];
  args: (string | number)[];
  label?: number;
  predicted?: number;
  /** a filter that needs an annotation (label, labelled, wrong): the annotations table can drive the scan */
  needsAnnotation: boolean;
  sort: Sort;
  limit: number;
  offset: number;
  /** the total as a signed sum of counters, when the filters are one that counters cover */
  counterKey: [string, 1 | -1][] | null;
}

function int(v: string | undefined, name: string, def: number, max = Number.MAX_SAFE_INTEGER): number {
  if (v === undefined || v === '') return def;
  if (!/^\d{1,12}$/.test(v)) throw new AppError(400, 'invalid_param', `${name} must be a non-negative integer`);
  return Math.min(Number(v), max);
}
const on = (v: string | undefined) => v === '1' || v === 'true';

/** `containing`: for `contains=<classId>` (segmentation), the ids of the images whose mask or points hold
 *  the class (the caller reads them from the mask summaries, which need decoding). */
export function parseFilters(q: Record<string, string>, containing?: number[]): Filters {
  const conds: string[] = [],
    args: (string | number)[] = [];
  const used: string[] = [];
  let label: number | undefined, predicted: number | undefined;
  if (q.label !== undefined) {
    label = int(q.label, 'label', 0);
    conds.push(`a.class_id = ? and a.kind = 'label'`);
    args.push(label);
    used.push('label');
  }
  if (on(q.unlabelled)) {
    conds.push('i.state = 0');
    used.push('unlabelled');
  }
  if (on(q.labelled)) {
    conds.push('i.state != 0');
    used.push('labelled');
  }
  if (on(q.skipped)) {
    conds.push('i.state = 2');
    used.push('skipped');
  }
  if (q.predicted !== undefined) {
    predicted = int(q.predicted, 'predicted', 0);
    conds.push('p.class_id = ?');
    args.push(predicted);
    used.push('predicted');
  }
  if (on(q.wrong)) {
    conds.push(`a.kind = 'label' and p.class_id is not null and p.class_id != a.class_id`);
    used.push('wrong');
  }
  // segmentation: a mask saved or not (points alone are no mask), and "contains class X"
  if (on(q.mask)) {
    conds.push('a.mask is not null');
    used.push('mask');
  }
  if (q.mask === '0' || q.mask === 'false') {
    conds.push('a.mask is null');
    used.push('nomask');
  }
  if (q.contains !== undefined) {
    int(q.contains, 'contains', 0);
    conds.push('i.id in (select value from json_each(?))');
    args.push(JSON.stringify(containing ?? []));
    used.push('contains');
  }
  if (q.q) {
    conds.push(`i.path like ? escape '\\'`);
    args.push(`%${q.q.replace(/[\\%_]/g, (m) => '\\' + m)}%`);
    used.push('q');
  }
  const sort = (q.sort ?? 'id') as Sort;
  // own values only: sort=__proto__ or constructor must not reach the SQL
  if (!SORTS.includes(sort)) throw new AppError(400, 'invalid_param', `sort must be one of ${SORTS.join(', ')}`);
  const only = used.length === 1 ? used[0] : used.length === 0 ? 'none' : null;
  const counterKey: Filters['counterKey'] =
    only === 'none'
      ? [['images', 1]]
      : only === 'unlabelled'
        ? [
            ['images', 1],
            ['labelled', -1],
            ['skipped', -1],
          ]
        : only === 'labelled'
          ? [
              ['labelled', 1],
              ['skipped', 1],
            ]
          : only === 'skipped'
            ? [['skipped', 1]]
            : only === 'label'
              ? [[`class:${label}`, 1]]
              : only === 'predicted'
                ? [[`pred:${predicted}`, 1]]
                : null;
  const needsAnnotation = used.some((u) => u === 'label' || u === 'labelled' || u === 'wrong' || u === 'mask');
  return {
    conds,
    args,
    label,
    predicted,
    needsAnnotation,
    sort,
    limit: int(q.limit, 'limit', 50, 500),
    offset: int(q.offset, 'offset', 0),
    counterKey,
  };
}

/** `next` of a previous page: `<id>` in id order; `<uncertainty>,<id>` or `n,<id>` (past the predicted
 *  images) in uncertainty order. */
export function parseCursor(v: string, sort: Sort): { u: number | null; id: number } {
  const bad = () => new AppError(400, 'invalid_param', 'cursor must be the `next` of a previous page');
  if (sort === 'id' || sort === '-id') {
    if (!/^\d{1,12}$/.test(v)) throw bad();
    return { u: null, id: Number(v) };
  }
  const m = /^(n|-?\d+(?:\.\d+)?(?:e-?\d+)?),(\d{1,12})$/.exec(v);
  if (!m) throw bad();
  return { u: m[1] === 'n' ? null : Number(m[1]), id: Number(m[2]) };
}
