// Out-of-sample class probabilities for every labelled image (cleanlab's input): k refits of the logistic
// head, each on the labels outside one fold, predicting that fold. Folds are fixed by a hash of the image
// id, so from one run to the next a fold's labels barely change and its head is warm-started from the last
// run: after one new label each fold needs a few L-BFGS iterations, not a fit from scratch. Fits run a few
// iterations per slice (warm-chained), so a new label never waits behind a whole fit.
import { fitLogReg, predictProba, type LogRegModel } from '../heads/logreg.ts';
import { hash32 } from '../split.ts';
import { Cancelled, type Slicer } from './slices.ts';

export const FOLD_SALT = 'hilt-fold-v1';
/** iterations one fold may take in all (a warm refit needs 1–10; a cold one on real features 10–40) */
const MAX_ITER = 300;

export function foldOf(imageId: number, k: number): number { return hash32(`${FOLD_SALT}:${imageId}`) % k; }

export interface KFoldInput { ids: number[]; X: Float32Array; y: Int32Array; d: number; C: number }
export interface KFoldResult {
  /** [n, C] out-of-sample probabilities; rows of a fold that could not be fitted are NaN */
  probs: Float32Array;
  /** folds actually fitted (a fold is skipped when the rest has fewer than two classes) */
  fitted: number;
}

export class KFold {
  private heads: (LogRegModel | null)[] = [];
  /** measured cost of one objective evaluation per n·d·C unit (ms), to size the slices */
  private msPerUnit = 2e-6;

  constructor(readonly k = 5) {}

  reset(): void { this.heads = []; }

  async run(inp: KFoldInput, slicer: Slicer, alive: () => boolean, start: LogRegModel | null = null): Promise<KFoldResult> {
    const { ids, X, y, d, C } = inp, n = ids.length;
    const probs = new Float32Array(n * C).fill(NaN);
    const fold = ids.map((id) => foldOf(id, this.k));
    let fitted = 0;
    for (let f = 0; f < this.k; f++) {
      const rows: number[] = [];
      const yf = Int32Array.from(y, (v, i) => (fold[i] === f ? (rows.push(i), -1) : v));
      if (!rows.length) continue;
      const classes = new Set<number>();
      for (const v of yf) if (v >= 0) classes.add(v);
      if (classes.size < 2) { this.heads[f] = null; continue; }
      const usable = (m: LogRegModel | null | undefined) => (m && m.d === d && m.C <= C ? m : null);
      let warm = usable(this.heads[f]) ?? usable(start);
      let total = 0;
      for (;;) {
        const iters = Math.max(1, Math.min(50, Math.floor(slicer.budgetMs / (1.3 * this.msPerUnit * n * d * C))));
        const t0 = performance.now();
        const r = fitLogReg(X, yf, n, d, C, { warm, maxIter: iters, seed: 0 });
        this.msPerUnit = 0.5 * this.msPerUnit + 0.5 * ((performance.now() - t0) / Math.max(1, r.evaluations) / (n * d * C));
        warm = r.model; total += r.iterations;
        await slicer.pause(true);
        if (!alive()) throw new Cancelled();
        if (r.converged || r.iterations < iters || total >= MAX_ITER) break;
      }
      this.heads[f] = warm;
      const Xf = new Float32Array(rows.length * d);
      rows.forEach((i, q) => Xf.set(X.subarray(i * d, (i + 1) * d), q * d));
      // (a warm head from fewer classes was padded by the fit: it has C columns now)
      const p = predictProba(warm!, Xf, rows.length);
      rows.forEach((i, q) => probs.set(p.subarray(q * C, (q + 1) * C), i * C));
      fitted++;
    }
    return { probs, fitted };
  }
}
