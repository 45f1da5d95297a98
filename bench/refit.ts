// Benchmark: "refit after one new label, warm-started" for the classification head (targets:
// ≤ 0.1 s at 1k labels and ≤ 1 s at 10k labels, d=384, C=10, on a 2-core machine).
// Synthetic Gaussian blobs whose classes overlap a little (≈ 94 % train accuracy at 10k), so the fit is
// not trivially separable — like frozen-backbone features. Per size: a cold fit on `labels` rows, then
// for each repeat one *different* extra row is labelled and the head refitted from the cold model,
// exactly what the live loop does after a label event. One warm-up repeat is discarded.
// Run alone: `npx tsx bench/refit.ts [--big] [--repeats N]` prints JSON.
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { fitLogReg } from '../trainer/heads/logreg.ts';
import { mulberry32 as rng, gauss } from '../trainer/rng.ts';
import { benchScript } from './util.ts';

export interface RefitBenchOptions {
  sizes?: number[];
  big?: boolean;
  repeats?: number;
  d?: number;
  C?: number;
  seed?: number;
}
export interface RefitBenchRow {
  labels: number;
  d: number;
  C: number;
  seconds_median: number;
  seconds_max: number;
  iterations: number;
  evaluations: number;
  cold_seconds: number;
  /** CPU time of the refit (user+sys): the fit is single-threaded, so on a busy machine this is the
   *  better estimate of the wall time an idle core would take */
  cpu_seconds_median: number;
}

function blobs(n: number, d: number, C: number, seed: number) {
  const r = rng(seed);
  const mu = Float64Array.from({ length: C * d }, () => 0.15 * gauss(r));
  const X = new Float32Array(n * d),
    y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = Math.floor(r() * C);
    y[i] = c;
    for (let j = 0; j < d; j++) X[i * d + j] = mu[c * d + j] + gauss(r) + 1;
  }
  return { X, y };
}

const median = (v: number[]) => {
  const s = v.slice().sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

export async function benchRefit(opts: RefitBenchOptions = {}): Promise<{ name: 'refit'; results: RefitBenchRow[] }> {
  const d = opts.d ?? 384,
    C = opts.C ?? 10,
    repeats = Math.max(3, opts.repeats ?? 5),
    seed = opts.seed ?? 1;
  const sizes = opts.sizes ?? (opts.big ? [1000, 10000, 100000] : [1000, 10000]);
  const results: RefitBenchRow[] = [];
  for (const labels of sizes) {
    const extra = repeats + 1;
    const { X, y } = blobs(labels + extra, d, C, seed);
    const yBase = y.slice();
    yBase.fill(-1, labels); // the extra rows start unlabelled
    let t = performance.now();
    const cold = fitLogReg(X, yBase, labels + extra, d, C, { seed });
    const coldSeconds = (performance.now() - t) / 1000;
    const times: number[] = [],
      cpu: number[] = [],
      iters: number[] = [],
      evals: number[] = [];
    for (let k = 0; k < extra; k++) {
      const yk = yBase.slice();
      yk[labels + k] = y[labels + k]; // one new label
      t = performance.now();
      const c0 = process.cpuUsage();
      const fit = fitLogReg(X, yk, labels + extra, d, C, { seed, warm: cold.model });
      const dc = process.cpuUsage(c0),
        dt = (performance.now() - t) / 1000;
      if (k === 0) continue; // warm-up (JIT)
      times.push(dt);
      cpu.push((dc.user + dc.system) / 1e6);
      iters.push(fit.iterations);
      evals.push(fit.evaluations);
      await new Promise((res) => setImmediate(res)); // stay friendly to an event loop we share
    }
    results.push({
      labels,
      d,
      C,
      seconds_median: Number(median(times).toFixed(4)),
      seconds_max: Number(Math.max(...times).toFixed(4)),
      iterations: median(iters),
      evaluations: median(evals),
      cold_seconds: Number(coldSeconds.toFixed(3)),
      cpu_seconds_median: Number(median(cpu).toFixed(4)),
    });
  }
  return { name: 'refit', results };
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const o = benchScript('bench/refit.ts', 'refit time of the heads (JSON on stdout)')
    .option('--big', 'the large sizes too')
    .option('--repeats <n>', 'timed runs', Number)
    .parse()
    .opts<{ big?: boolean; repeats?: number }>();
  const out = await benchRefit({ big: !!o.big, repeats: o.repeats });
  console.log(JSON.stringify(out, null, 2));
}
