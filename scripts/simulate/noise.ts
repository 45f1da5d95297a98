// `hilt simulate --noise f`: a careless annotator. A share f of its answers (chosen per image, seeded) go
// to another class at random; at the end of each run the trainer's likely-label-error list is scored
// against the labels it really flipped: precision and recall at k = the number flipped (cleanlab's way of
// reporting), and of the flagged list as a whole.
import { rng } from '../make-mnist.ts';
import { precisionRecallAtK } from '../../trainer/quality/label-issues.ts';
import { hash32 } from '../../common/split.ts';
import { api } from './client.ts';

export interface ReviewScore {
  labelled: number;
  flipped: number;
  /** top-k of the ranking, k = flipped */
  k: number;
  hits: number;
  precisionAtK: number | null;
  recallAtK: number | null;
  /** the flagged list (held-out prediction ≠ given label), all of it */
  flagged: number;
  flaggedHits: number;
  flaggedPrecision: number | null;
  flaggedRecall: number | null;
  modelVersion: number | null;
  waitedMs: number;
}

/** The class the annotator answers: the truth, or with probability `noise` another class (uniformly). */
export function noisyAnswer(
  truth: number,
  classes: number,
  noise: number,
  seed: number,
  repeat: number,
  imageId: number,
): number {
  if (noise <= 0 || classes < 2) return truth;
  // hashed first: mulberry32's first draws for nearby seeds are correlated (ids 1..40 would all agree)
  const r = rng(hash32(`noise:${seed}:${repeat}:${imageId}`));
  if (r() >= noise) return truth;
  return (truth + 1 + Math.floor(r() * (classes - 1))) % classes;
}

/**
 * Waits for the review of a model that saw every label (the trainer computes it in the background after
 * each refit), then scores it. `flipped`: the image ids whose label was flipped.
 */
export async function scoreReview(
  base: string,
  labelled: number,
  flipped: Set<number>,
  timeoutMs: number,
): Promise<ReviewScore> {
  const t0 = performance.now();
  type R = { labelled: number; modelVersion: number | null; items: { id: number; flagged: boolean }[] };
  let r: R | null = null;
  while (performance.now() - t0 < timeoutMs) {
    r = await api<R>(base, 'GET', '/api/review?limit=2000');
    if (r.labelled >= labelled) break;
    await new Promise((res) => setTimeout(res, 250));
  }
  const ranked = r?.items.map((i) => i.id) ?? [];
  const at = precisionRecallAtK(ranked, flipped);
  const flaggedIds = r?.items.filter((i) => i.flagged).map((i) => i.id) ?? [];
  const all = precisionRecallAtK(flaggedIds, flipped, flaggedIds.length);
  return {
    labelled: r?.labelled ?? 0,
    flipped: flipped.size,
    k: at.k,
    hits: at.hits,
    precisionAtK: at.precision,
    recallAtK: at.recall,
    flagged: flaggedIds.length,
    flaggedHits: all.hits,
    flaggedPrecision: all.precision,
    flaggedRecall: all.recall,
    modelVersion: r?.modelVersion ?? null,
    waitedMs: Math.round(performance.now() - t0),
  };
}

export interface ReviewSummary {
  runs: number;
  labelled: number;
  flipped: number;
  precisionAtK: number | null;
  recallAtK: number | null;
  flagged: number;
  flaggedPrecision: number | null;
  flaggedRecall: number | null;
}

/** Means over the runs of one strategy (null when no run was scored). */
export function summariseReview(scores: (ReviewScore | null)[]): ReviewSummary | null {
  const s = scores.filter((x): x is ReviewScore => !!x);
  if (!s.length) return null;
  const avg = (f: (x: ReviewScore) => number | null) => {
    const v = s.map(f).filter((x): x is number => x !== null);
    return v.length ? v.reduce((a, b) => a + b, 0) / v.length : null;
  };
  return {
    runs: s.length,
    labelled: avg((x) => x.labelled)!,
    flipped: avg((x) => x.flipped)!,
    precisionAtK: avg((x) => x.precisionAtK),
    recallAtK: avg((x) => x.recallAtK),
    flagged: avg((x) => x.flagged)!,
    flaggedPrecision: avg((x) => x.flaggedPrecision),
    flaggedRecall: avg((x) => x.flaggedRecall),
  };
}

export function reviewMarkdown(noise: number, byStrategy: Record<string, ReviewSummary | null>): string[] {
  const f = (v: number | null) => (v === null ? '–' : v.toFixed(2));
  const rows = Object.entries(byStrategy).filter(([, v]) => v);
  if (!rows.length) return [];
  return [
    '',
    `## Likely label errors (--noise ${noise}: ${Math.round(noise * 100)} % of the answers flipped)`,
    '',
    "At the end of each run, the trainer's review list (k-fold out-of-fold probabilities, confident-learning flags) against the labels the annotator really flipped. At k = the number flipped, precision equals recall.",
    '',
    '| strategy | labels | flipped | precision @ k | recall @ k | flagged | flagged precision | flagged recall |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map(
      ([s, v]) =>
        `| ${s} | ${v!.labelled.toFixed(0)} | ${v!.flipped.toFixed(1)} | ${f(v!.precisionAtK)} | ${f(v!.recallAtK)} | ${v!.flagged.toFixed(1)} | ${f(v!.flaggedPrecision)} | ${f(v!.flaggedRecall)} |`,
    ),
  ];
}
