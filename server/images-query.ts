// GET /api/images: filters, sort and paging, each page an index range scan (≤ 10 ms at 1M rows).
// The query is driven by the most selective index (a label's or a predicted class's rows, the annotations,
// the unlabelled partial index, the uncertainty index) and joins the rest by primary key. `cursor` pages
// by key (the answer's `next`); `offset` still works: it walks keys only, in a subquery, and in plain id
// order with dense ids it is arithmetic. Totals come from kept counters; a combination no counter covers
// is counted up to TOTAL_CAP (`totalExact: false` past it).
import { basename } from 'node:path';
import type { Db } from './db/open.ts';
import { counter, idRange } from './counters.ts';
import { stmt } from './db/prepared.ts';
import { AppError } from './errors.ts';
import type { AnnotationMsg } from '../common/protocol.ts';
import { parseCursor, parseFilters, type Filters } from './images-filters.ts';

export const TOTAL_CAP = 1000;

interface Row {
  id: number;
  path: string;
  width: number;
  height: number;
  kind: string | null;
  a_class: number | null;
  annotator: string | null;
  updated_at: number | null;
  has_mask: number;
  p_class: number | null;
  probs: string | null;
  confidence: number | null;
  uncertainty: number | null;
  p_version: number | null;
  has_map: number;
}
type Cursor = { u: number | null; id: number };

const COLS = `i.id, i.path, i.width, i.height, a.kind, a.class_id as a_class, a.annotator, a.updated_at,
  a.mask is not null as has_mask, p.class_id as p_class, p.probs, p.confidence, p.uncertainty,
  p.model_version as p_version, p.map is not null as has_map`;
const JOIN_A = 'left join annotations a on a.image_id = i.id';
const JOIN_P = 'left join predictions p on p.image_id = i.id';
const where = (conds: string[]) => (conds.length ? 'where ' + conds.join(' and ') : '');

/** FROM clause and key column for id order. CROSS JOIN fixes the driving table: SQLite would otherwise
 *  scan another and sort every match. Unused LEFT JOINs on a primary key are dropped by SQLite. */
function idSource(f: Filters): { from: string; key: string } {
  if (f.label !== undefined)
    return {
      from: `from annotations a indexed by annotations_class_idx cross join images i on i.id = a.image_id ${JOIN_P}`,
      key: 'a.image_id',
    };
  if (f.predicted !== undefined)
    return {
      from: `from predictions p indexed by predictions_class_idx cross join images i on i.id = p.image_id ${JOIN_A}`,
      key: 'p.image_id',
    };
  if (f.needsAnnotation)
    return { from: `from annotations a cross join images i on i.id = a.image_id ${JOIN_P}`, key: 'a.image_id' };
  return { from: `from images i ${JOIN_A} ${JOIN_P}`, key: 'i.id' };
}

/** The page's rows: keys chosen in a subquery that reads only what the filters need, then joined. */
function page(db: Db, inner: string, args: (string | number)[], limit: number, offset: number, order: string): Row[] {
  return stmt(
    db,
    `select ${COLS} from (${inner} limit ? offset ?) s cross join images i on i.id = s.k ${JOIN_A} ${JOIN_P} order by ${order}`,
  ).all(...args, limit, offset) as Row[];
}

function byId(db: Db, f: Filters, desc: boolean, limit: number, offset: number, after: number | null): Row[] {
  const { from, key } = idSource(f);
  const conds = [...f.conds],
    args: (string | number)[] = [...f.args];
  if (after === null && offset > 0 && !conds.length) {
    // ids are dense unless rows were removed: then the offset-th image is at a known id
    const { lo, hi } = idRange(db);
    if (lo !== null && hi !== null && hi - lo + 1 === counter(db, 'images')) {
      after = desc ? hi - offset + 1 : lo + offset - 1;
      offset = 0;
    }
  }
  if (after !== null) {
    conds.push(`${key} ${desc ? '<' : '>'} ?`);
    args.push(after);
  }
  const dir = desc ? 'desc' : 'asc';
  return page(
    db,
    `select ${key} as k ${from} ${where(conds)} order by ${key} ${dir}`,
    args,
    limit,
    offset,
    `i.id ${dir}`,
  );
}

/** uncertainty: most uncertain first (ties by id); confidence: the exact reverse. Predicted images by
 *  the index, then the images without a prediction in id order. */
function byUncertainty(db: Db, f: Filters, desc: boolean, limit: number, offset: number, cursor: Cursor | null): Row[] {
  const rows: Row[] = [];
  // joined only when a filter needs them, so that walking to an offset reads the index alone
  const text = f.conds.join(' ');
  const joins = /\b[ia]\./.test(text) ? `cross join images i on i.id = p.image_id ${JOIN_A}` : '';
  const predicted = ['p.uncertainty is not null', ...f.conds];
  if (!cursor || cursor.u !== null) {
    const conds = [...predicted],
      args: (string | number)[] = [...f.args];
    if (cursor) {
      // a range on the index, then the ties past the cursor's id
      conds.push(
        desc
          ? 'p.uncertainty <= ? and (p.uncertainty < ? or p.image_id > ?)'
          : 'p.uncertainty >= ? and (p.uncertainty > ? or p.image_id < ?)',
      );
      args.push(cursor.u!, cursor.u!, cursor.id);
    }
    const order = desc ? 'p.uncertainty desc, p.image_id asc' : 'p.uncertainty asc, p.image_id desc';
    rows.push(
      ...page(
        db,
        `select p.image_id as k from predictions p indexed by predictions_unc_desc_idx ${joins}
      ${where(conds)} order by ${order}`,
        args,
        limit,
        offset,
        order,
      ),
    );
  }
  // once the trainer has run every image has a prediction: then there is no second part to look for
  if (rows.length >= limit || counter(db, 'predictions') >= counter(db, 'images')) return rows;
  let skip = 0;
  if (!cursor && offset > 0 && !rows.length) {
    // the part of the offset that the predicted images did not use up
    skip = Math.max(
      0,
      offset -
        (
          stmt(db, `select count(*) as n from predictions p ${joins} ${where(predicted)}`).get(...f.args) as {
            n: number;
          }
        ).n,
    );
  }
  const conds = ['p.image_id is null', ...f.conds],
    args: (string | number)[] = [...f.args];
  if (cursor?.u === null) {
    conds.push('i.id > ?');
    args.push(cursor.id);
  }
  rows.push(
    ...page(
      db,
      `select i.id as k from images i ${JOIN_A} ${JOIN_P} ${where(conds)} order by i.id`,
      args,
      limit - rows.length,
      skip,
      'i.id',
    ),
  );
  return rows;
}

function total(db: Db, f: Filters): { total: number; exact: boolean } {
  if (f.counterKey)
    return { total: f.counterKey.reduce((s, [key, sign]) => s + sign * counter(db, key), 0), exact: true };
  const { from } = idSource(f);
  const n = (
    stmt(db, `select count(*) as n from (select 1 ${from} ${where(f.conds)} limit ${TOTAL_CAP + 1})`).get(
      ...f.args,
    ) as { n: number }
  ).n;
  return { total: Math.min(n, TOTAL_CAP), exact: n <= TOTAL_CAP };
}

/** A set of images (review queue, a confusion cell, a hint's ids: server/image-sets.ts), at most a few
 *  thousand ids: paged by offset (`next` is `o<offset>`), `sort=rank` keeps the set's order. */
function bySet(db: Db, f: Filters, only: number[], limit: number, offset: number): { rows: Row[]; total: number } {
  const from = `from json_each(?) o cross join images i on i.id = o.value ${JOIN_A} ${JOIN_P} ${where(f.conds)}`;
  const args = [JSON.stringify(only), ...f.args];
  const order = {
    rank: 'o.key asc',
    id: 'i.id asc',
    '-id': 'i.id desc',
    uncertainty: 'p.uncertainty is null, p.uncertainty desc, i.id asc',
    confidence: 'p.uncertainty is null, p.uncertainty asc, i.id desc',
  }[f.sort];
  const total = (stmt(db, `select count(*) as n ${from}`).get(...args) as { n: number }).n;
  const rows = stmt(db, `select ${COLS} ${from} order by ${order} limit ? offset ?`).all(
    ...args,
    limit,
    offset,
  ) as Row[];
  return { rows, total };
}

/** `only`: restrict to a set of ids (server/image-sets.ts). `containing`: see parseFilters. */
export function listImages(db: Db, q: Record<string, string>, only: number[] | null = null, containing?: number[]) {
  const f = parseFilters(q, containing);
  let rows: Row[], t: { total: number; exact: boolean }, offset: number, next: string | null;
  if (only) {
    if (q.cursor !== undefined && !/^o\d{1,12}$/.test(q.cursor))
      throw new AppError(400, 'invalid_param', 'cursor must be the `next` of a previous page');
    offset = q.cursor !== undefined ? Number(q.cursor.slice(1)) : f.offset;
    const r = bySet(db, f, only, f.limit, offset);
    rows = r.rows;
    t = { total: r.total, exact: true };
    next = offset + rows.length < r.total && rows.length === f.limit ? `o${offset + rows.length}` : null;
  } else {
    if (f.sort === 'rank') f.sort = 'id';
    const cursor = q.cursor !== undefined ? parseCursor(q.cursor, f.sort) : null;
    offset = cursor ? 0 : f.offset;
    const byIdOrder = f.sort === 'id' || f.sort === '-id';
    rows = byIdOrder
      ? byId(db, f, f.sort === '-id', f.limit, offset, cursor ? cursor.id : null)
      : byUncertainty(db, f, f.sort === 'uncertainty', f.limit, offset, cursor);
    t = total(db, f);
    const last = rows.at(-1);
    next =
      rows.length < f.limit || !last
        ? null
        : byIdOrder
          ? String(last.id)
          : last.uncertainty === null
            ? `n,${last.id}`
            : `${last.uncertainty},${last.id}`;
  }
  return {
    total: t.total,
    totalExact: t.exact,
    offset,
    limit: f.limit,
    next,
    items: rows.map((r) => ({
      id: r.id,
      name: basename(r.path),
      width: r.width,
      height: r.height,
      annotation: r.kind
        ? ({
            imageId: r.id,
            kind: r.kind,
            classId: r.a_class,
            hasMask: !!r.has_mask,
            annotator: r.annotator ?? '',
            updatedAt: r.updated_at ?? 0,
          } as AnnotationMsg)
        : null,
      prediction:
        r.p_class !== null || r.uncertainty !== null
          ? {
              classId: r.p_class,
              uncertainty: r.uncertainty,
              confidence:
                r.confidence ??
                (r.probs && r.p_class !== null
                  ? ((JSON.parse(r.probs) as Record<string, number>)[String(r.p_class)] ?? null)
                  : null),
              // segmentation: a predicted map exists (Browse shows it when there is no mask) and its model version
              ...(r.has_map ? { map: true, modelVersion: r.p_version } : {}),
            }
          : null,
    })),
  };
}
