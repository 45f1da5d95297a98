// Ranking labelled images by how likely their label is wrong, from out-of-fold probabilities only (each
// image scored by a head that never saw it), the confident-learning way (Northcutt et al., cleanlab):
//  1. Nothing is flagged until every class that carries labels has MIN_LABELS_PER_CLASS of them: with fewer,
//     the held-out heads barely know a class and every one of its images looks wrong.
//  2. The held-out probabilities are temperature-scaled on themselves (one scalar T, fitted to the given
//     labels): a head fitted on a few dozen labels is far too sure of itself, and a score shown as 0.95
//     should mean about that.
//  3. Per class j, a threshold t_j = the mean held-out p(j) over the images labelled j (its average
//     self-confidence). An image labelled g is flagged only when another class j reaches its own threshold
//     (p(j) ≥ t_j, the largest such p wins, as in the confident joint) and the held-out argmax is not g.
//  4. score = 1 − p(given) after scaling, but never above how often the held-out heads have agreed with the
//     given labels at that confidence or more (counted on this session's labels, plus one agreement and one
//     disagreement: few counts cannot claim much). A class the heads have not learned yet shows up as
//     confident disagreements with right labels, and this keeps its scores modest.
// Higher = more likely wrong.
import type { ReviewItem } from '../../common/protocol.ts';
import { argmax } from './metrics.ts';

/** every class with labels needs this many before any image is flagged */
export const MIN_LABELS_PER_CLASS = 5;

export interface IssueInput {
  ids: number[];
  /** [n, C] out-of-fold probabilities (NaN rows: no held-out prediction) */
  probs: Float32Array;
  /** given class index per row */
  y: Int32Array;
  C: number;
  classIds: number[];
  /** class names by id, for the waiting reason */
  names?: (classId: number) => string;
  /** annotation updatedAt per row (what the server compares against to drop labels changed since) */
  updatedAt: number[];
}

export interface IssueResult {
  /** scored rows, most suspicious first (ties: lower id first); empty while waiting */
  items: ReviewItem[];
  /** why there is no list yet, in words; null when there is one */
  waiting: string | null;
  /** the temperature the held-out probabilities were scaled by */
  temperature: number;
  /** per class index: its average held-out self-confidence after scaling (NaN: no scored image) */
  thresholds: number[];
  /** share of scored labels whose held-out argmax is the given class (null while waiting) */
  agreement: number | null;
}

const FLOOR = 1e-30;

/** Why no image can be flagged yet, or null when every labelled class has enough labels. */
export function notReady(
  y: Int32Array,
  C: number,
  classIds: number[],
  names: (id: number) => string = (id) => `#${id}`,
): string | null {
  const count = new Array<number>(C).fill(0);
  for (const v of y) if (v >= 0 && v < C) count[v]++;
  const present = count.map((n, c) => ({ n, c })).filter((x) => x.n > 0);
  if (present.length < 2)
    return `label at least two classes, ${MIN_LABELS_PER_CLASS} images each: likely label errors are found by heads that never saw the image`;
  const short = present.filter((x) => x.n < MIN_LABELS_PER_CLASS).sort((a, b) => a.n - b.n);
  if (!short.length) return null;
  const list = short
    .slice(0, 4)
    .map((x) => `"${names(classIds[x.c])}" has ${x.n}`)
    .join(', ');
  return (
    `${list}${short.length > 4 ? ', …' : ''}: the list starts once every labelled class has ${MIN_LABELS_PER_CLASS} labels ` +
    `(each image is judged by a head fitted without it, which must have seen every class)`
  );
}

/** p^(1/T), renormalised: softmax of the log-probabilities divided by T. */
export function scale(probs: Float32Array, row: number, C: number, T: number, out: Float64Array): void {
  let m = -Infinity;
  for (let c = 0; c < C; c++) {
    out[c] = Math.log(Math.max(FLOOR, probs[row * C + c])) / T;
    if (out[c] > m) m = out[c];
  }
  let s = 0;
  for (let c = 0; c < C; c++) {
    out[c] = Math.exp(out[c] - m);
    s += out[c];
  }
  for (let c = 0; c < C; c++) out[c] /= s;
}

/** The temperature minimising the negative log-likelihood of the given labels (golden section on log T). */
export function fitTemperature(
  probs: Float32Array,
  y: Int32Array,
  rows: number[],
  C: number,
  lo = 0.25,
  hi = 50,
): number {
  if (!rows.length) return 1;
  const q = new Float64Array(C);
  const nll = (logT: number) => {
    const T = Math.exp(logT);
    let s = 0;
    for (const i of rows) {
      scale(probs, i, C, T, q);
      s -= Math.log(Math.max(FLOOR, q[y[i]]));
    }
    return s;
  };
  let a = Math.log(lo),
    b = Math.log(hi);
  const g = (Math.sqrt(5) - 1) / 2;
  let x1 = b - g * (b - a),
    x2 = a + g * (b - a),
    f1 = nll(x1),
    f2 = nll(x2);
  for (let it = 0; it < 40; it++) {
    if (f1 <= f2) {
      b = x2;
      x2 = x1;
      f2 = f1;
      x1 = b - g * (b - a);
      f1 = nll(x1);
    } else {
      a = x1;
      x1 = x2;
      f1 = f2;
      x2 = a + g * (b - a);
      f2 = nll(x2);
    }
  }
  return Math.exp((a + b) / 2);
}

export function rankLabelIssues(inp: IssueInput): IssueResult {
  const { ids, probs, y, C, classIds } = inp;
  const waiting = notReady(y, C, classIds, inp.names);
  if (waiting)
    return { items: [], waiting, temperature: 1, thresholds: new Array<number>(C).fill(NaN), agreement: null };
  const rows: number[] = [];
  for (let i = 0; i < ids.length; i++) if (y[i] >= 0 && y[i] < C && !Number.isNaN(probs[i * C])) rows.push(i);
  const T = fitTemperature(probs, y, rows, C);
  const q = new Float64Array(rows.length * C),
    tmp = new Float64Array(C);
  rows.forEach((i, r) => {
    scale(probs, i, C, T, tmp);
    q.set(tmp, r * C);
  });
  // per-class average self-confidence
  const sum = new Float64Array(C),
    n = new Float64Array(C);
  rows.forEach((i, r) => {
    sum[y[i]] += q[r * C + y[i]];
    n[y[i]]++;
  });
  const thresholds = Array.from(sum, (s, c) => (n[c] ? s / n[c] : NaN));
  const reliable = reliability(
    q,
    rows.map((i) => y[i]),
    C,
  );
  const items: ReviewItem[] = rows.map((i, r) => {
    const g = y[i],
      o = r * C,
      top = argmax(q, o, C);
    // the confident-joint column: the most probable class among those at or above their threshold
    let conf = -1;
    for (let c = 0; c < C; c++) if (q[o + c] >= thresholds[c] && (conf < 0 || q[o + c] > q[o + conf])) conf = c;
    const score = Math.min(1, Math.max(0, 1 - q[o + g]), top === g ? 1 : reliable[r]);
    return {
      id: ids[i],
      given: classIds[g],
      suggested: classIds[top],
      score: Math.round(score * 1e4) / 1e4,
      flagged: conf >= 0 && conf !== g && top !== g,
      updatedAt: inp.updatedAt[i],
    };
  });
  items.sort((a, b) => b.score - a.score || a.id - b.id);
  const agree = rows.filter((i, r) => argmax(q, r * C, C) === y[i]).length;
  return {
    items,
    waiting: null,
    temperature: T,
    thresholds,
    agreement: rows.length ? Math.round((agree / rows.length) * 1e4) / 1e4 : null,
  };
}

/** Per scored row: (agreements + 1) / (rows + 2) over the rows whose held-out top confidence is at least
 *  this row's, where an agreement is a held-out argmax equal to the given label. */
export function reliability(q: Float64Array, given: number[], C: number): Float64Array {
  const n = given.length,
    conf = new Float64Array(n),
    agree = new Uint8Array(n);
  for (let r = 0; r < n; r++) {
    const t = argmax(q, r * C, C);
    conf[r] = q[r * C + t];
    agree[r] = t === given[r] ? 1 : 0;
  }
  const order = [...Array(n).keys()].sort((a, b) => conf[b] - conf[a]);
  const out = new Float64Array(n);
  let k = 0,
    hits = 0;
  while (k < n) {
    // rows of equal confidence share one value
    let e = k;
    while (e < n && conf[order[e]] === conf[order[k]]) {
      hits += agree[order[e]];
      e++;
    }
    for (let t = k; t < e; t++) out[order[t]] = (hits + 1) / (e + 2);
    k = e;
  }
  return out;
}

/** Precision and recall of a ranked list against the truly wrong ids, at k (default: as many as are wrong). */
export function precisionRecallAtK(
  ranked: number[],
  wrong: Set<number>,
  k = wrong.size,
): { k: number; hits: number; precision: number | null; recall: number | null } {
  const top = ranked.slice(0, k);
  const hits = top.filter((id) => wrong.has(id)).length;
  return { k, hits, precision: top.length ? hits / top.length : null, recall: wrong.size ? hits / wrong.size : null };
}
