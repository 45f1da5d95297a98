// The logistic head of heads/logreg.ts fitted in slices that yield: the same objective (class-balanced
// mean loss + L2, standardised features, warm start with the same drift rule) summed over blocks of rows,
// minimised by the same L-BFGS through its async driver (heads/logreg.ts lbfgsAsync). One objective
// evaluation on 3000 × 1280-d rows is ~50M multiply-adds, too long to hold the event loop; per block of
// BLOCK rows it is a few milliseconds, so a label arriving mid-fit waits at most one slice. Agrees with fitLogReg's optimum (tests/quality.test.ts).
import { makeObjective, type LogRegModel } from '../heads/logreg.ts';
import { lbfgsAsync, type LbfgsMemory } from '../heads/lbfgs.ts';
import { columnStats, drifted, restandardise } from '../heads/standardise.ts';
import { Cancelled, type Slicer } from './slices.ts';

const BLOCK = 64;
export interface SlicedOptions {
  l2?: number;
  maxIter?: number;
  tol?: number;
  gtol?: number;
  history?: number;
  driftTol?: number;
}

export async function fitSliced(
  X: Float32Array,
  y: Int32Array,
  n: number,
  d: number,
  C: number,
  warm: LogRegModel | null,
  slicer: Slicer,
  alive: () => boolean,
  o: SlicedOptions = {},
): Promise<{ model: LogRegModel; iterations: number }> {
  const l2 = o.l2 ?? 1e-2;
  const rows: number[] = [];
  for (let i = 0; i < n; i++) if (y[i] >= 0) rows.push(i);
  const counts = new Float64Array(C);
  for (const i of rows) counts[y[i]]++;
  const present = counts.filter((c) => c > 0).length;
  // w_i = m / (K · count[y_i]), normalised to sum 1 over all rows (as fitLogReg: a weighted mean loss)
  const sw = Float64Array.from(rows, (i) => 1 / (present * counts[y[i]]));
  const total = sw.reduce((a, b) => a + b, 0);
  for (let k = 0; k < sw.length; k++) sw[k] /= total;
  const fresh = columnStats(X, Int32Array.from(rows), d);
  const P = C * (d + 1),
    w = new Float64Array(P);
  let mean = fresh.mean,
    std = fresh.std,
    memory: LbfgsMemory | undefined;
  if (warm && warm.d === d && warm.C <= C) {
    w.set(warm.W.subarray(0, warm.C * (d + 1)));
    mean = Float64Array.from(warm.mean);
    std = Float64Array.from(warm.std);
    if (drifted(mean, std, fresh.mean, fresh.std, o.driftTol ?? 0.25)) {
      restandardise(w, C, d, mean, std, fresh.mean, fresh.std);
      mean = fresh.mean;
      std = fresh.std;
    } else if (warm.C === C) memory = warm.memory;
  }
  const blocks: ((w: Float64Array, g: Float64Array) => number)[] = [];
  for (let b = 0; b < rows.length; b += BLOCK) {
    const r = Int32Array.from(rows.slice(b, b + BLOCK));
    blocks.push(
      makeObjective(
        X,
        r,
        Int32Array.from(r, (i) => y[i]),
        sw.slice(b, b + BLOCK),
        d,
        C,
        mean,
        std,
        0,
      ),
    );
  }
  await slicer.pause(); // the statistics and the blocks took a slice's worth on big inputs
  if (!alive()) throw new Cancelled();
  const gb = new Float64Array(P);
  const f = async (x: Float64Array, g: Float64Array): Promise<number> => {
    g.fill(0);
    let loss = 0;
    for (const block of blocks) {
      loss += block(x, gb);
      for (let t = 0; t < P; t++) g[t] += gb[t];
      if (slicer.spent()) {
        await slicer.pause();
        if (!alive()) throw new Cancelled();
      }
    }
    let reg = 0;
    for (let c = 0; c < C; c++)
      for (let j = 0; j < d; j++) {
        const v = x[c * (d + 1) + j];
        reg += v * v;
        g[c * (d + 1) + j] += l2 * v;
      }
    return loss + 0.5 * l2 * reg;
  };
  const r = await lbfgsAsync(f, w, {
    memory,
    history: o.history ?? 10,
    maxIter: o.maxIter ?? 300,
    tol: o.tol ?? 1e-5,
    gtol: o.gtol ?? 1e-5,
  });
  return {
    model: {
      d,
      C,
      W: Float32Array.from(r.x),
      mean: Float32Array.from(mean),
      std: Float32Array.from(std),
      memory: r.memory,
    },
    iterations: r.iterations,
  };
}
