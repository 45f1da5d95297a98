// Ranking labelled images by how likely their label is wrong, from out-of-sample probabilities (cleanlab's
// "self-confidence" score: the held-out probability of the given label; low = suspicious). We report
// score = 1 − p(given), so higher = more likely wrong, and flag an image when the held-out prediction is
// another class. Classes with too few labels are left out: their held-out folds barely know them, so every
// one of their images would look wrong.
import type { ReviewItem } from '../../server/protocol.ts';
import { argmax } from './metrics.ts';

/** a class needs this many labels before its images can be flagged */
export const MIN_LABELS_TO_FLAG = 3;

export interface IssueInput {
  ids: number[];
  /** [n, C] out-of-sample probabilities (NaN rows: no held-out prediction) */
  probs: Float32Array;
  /** given class index per row */
  y: Int32Array;
  C: number;
  classIds: number[];
  /** annotation updatedAt per row (what the server compares against to drop labels changed since) */
  updatedAt: number[];
}

/** Every row with a held-out prediction, most suspicious first (ties: lower id first). */
export function rankLabelIssues(inp: IssueInput): ReviewItem[] {
  const { ids, probs, y, C, classIds } = inp;
  const count = new Array<number>(C).fill(0);
  for (const v of y) if (v >= 0 && v < C) count[v]++;
  const items: ReviewItem[] = [];
  for (let i = 0; i < ids.length; i++) {
    const g = y[i];
    if (g < 0 || g >= C || Number.isNaN(probs[i * C])) continue;
    const s = argmax(probs, i * C, C);
    const score = Math.min(1, Math.max(0, 1 - probs[i * C + g]));
    items.push({
      id: ids[i], given: classIds[g], suggested: classIds[s], score: Math.round(score * 1e4) / 1e4,
      flagged: s !== g && count[g] >= MIN_LABELS_TO_FLAG, updatedAt: inp.updatedAt[i],
    });
  }
  return items.sort((a, b) => b.score - a.score || a.id - b.id);
}

/** Precision and recall of a ranked list against the truly wrong ids, at k (default: as many as are wrong). */
export function precisionRecallAtK(ranked: number[], wrong: Set<number>, k = wrong.size): { k: number; hits: number; precision: number | null; recall: number | null } {
  const top = ranked.slice(0, k);
  const hits = top.filter((id) => wrong.has(id)).length;
  return { k, hits, precision: top.length ? hits / top.length : null, recall: wrong.size ? hits / wrong.size : null };
}
