// L-BFGS (two-loop recursion) with a backtracking Armijo line search: the minimiser of the logistic heads
// (logreg.ts), synchronous or, for fits in slices that yield (quality/sliced-fit.ts), with an async objective.
// The curvature pairs it ends with (memory) let a warm refit of the same parameter space start where it stopped.
export interface LbfgsMemory {
  s: Float64Array[];
  y: Float64Array[];
}
export interface LbfgsOpts {
  memory?: LbfgsMemory;
  history: number;
  maxIter: number;
  tol: number;
  gtol: number;
  /** stop after this many milliseconds (unconverged; a warm refit goes on from the result) */
  maxMs?: number;
}
const dot = (a: Float64Array, b: Float64Array): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};
const maxAbs = (a: Float64Array): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const v = Math.abs(a[i]);
    if (v > s) s = v;
  }
  return s;
};

export interface LbfgsResult {
  x: Float64Array;
  f: number;
  iterations: number;
  evaluations: number;
  converged: boolean;
  memory: LbfgsMemory;
}

/** Minimises f from x0 (not modified). A warm `memory` (pairs from the previous fit) gives the first
 *  step a good scale and direction, which is what makes a refit after one label take 1-3 iterations. */
export function lbfgs(f: (x: Float64Array, g: Float64Array) => number, x0: Float64Array, o: LbfgsOpts): LbfgsResult {
  const it = lbfgsSteps(x0, o);
  for (let r = it.next(); ;) {
    if (r.done) return r.value;
    r = it.next(f(r.value.x, r.value.g));
  }
}

/** The same minimisation with an objective that awaits (trainer/quality/sliced-fit.ts yields to the event
 *  loop inside each evaluation). */
export async function lbfgsAsync(
  f: (x: Float64Array, g: Float64Array) => Promise<number>,
  x0: Float64Array,
  o: LbfgsOpts,
): Promise<LbfgsResult> {
  const it = lbfgsSteps(x0, o);
  for (let r = it.next(); ;) {
    if (r.done) return r.value;
    r = it.next(await f(r.value.x, r.value.g));
  }
}

/** The algorithm, once: it yields each point to evaluate (the caller writes the gradient into `g` and
 *  sends back f(x)), and returns the result. */
function* lbfgsSteps(
  x0: Float64Array,
  o: LbfgsOpts,
): Generator<{ x: Float64Array; g: Float64Array }, LbfgsResult, number> {
  const P = x0.length;
  let x = Float64Array.from(x0),
    g = new Float64Array(P),
    xn = new Float64Array(P),
    gn = new Float64Array(P);
  const p = new Float64Array(P),
    alpha = new Float64Array(o.history);
  const S = o.memory ? o.memory.s.map((v) => Float64Array.from(v)) : [],
    Y = o.memory ? o.memory.y.map((v) => Float64Array.from(v)) : [];
  let fx = yield { x, g },
    evaluations = 1,
    iterations = 0,
    converged = maxAbs(g) < o.gtol;
  const deadline = o.maxMs === undefined ? Infinity : performance.now() + o.maxMs;
  while (!converged && iterations < o.maxIter && performance.now() < deadline) {
    for (let i = 0; i < P; i++) p[i] = -g[i];
    const k = S.length;
    for (let i = k - 1; i >= 0; i--) {
      const a = dot(S[i], p) / dot(Y[i], S[i]);
      alpha[i] = a;
      const yi = Y[i];
      for (let t = 0; t < P; t++) p[t] -= a * yi[t];
    }
    // Initial Hessian scale: s'y/y'y from the newest pair; without history, a unit-length first step.
    const gamma = k > 0 ? dot(S[k - 1], Y[k - 1]) / dot(Y[k - 1], Y[k - 1]) : 1 / Math.max(1, Math.sqrt(dot(g, g)));
    for (let t = 0; t < P; t++) p[t] *= gamma;
    for (let i = 0; i < k; i++) {
      const bcoef = alpha[i] - dot(Y[i], p) / dot(Y[i], S[i]);
      const si = S[i];
      for (let t = 0; t < P; t++) p[t] += bcoef * si[t];
    }
    let dg = dot(p, g);
    if (!(dg < 0)) {
      // stale curvature (e.g. warm pairs from another objective): fall back to steepest descent
      S.length = 0;
      Y.length = 0;
      const sc = 1 / Math.max(1, Math.sqrt(dot(g, g)));
      for (let t = 0; t < P; t++) p[t] = -g[t] * sc;
      dg = dot(p, g);
    }
    let step = 1,
      fn = Infinity,
      ok = false;
    for (let ls = 0; ls < 40; ls++) {
      for (let t = 0; t < P; t++) xn[t] = x[t] + step * p[t];
      fn = yield { x: xn, g: gn };
      evaluations++;
      if (fn <= fx + 1e-4 * step * dg) {
        ok = true;
        break;
      }
      // Minimiser of the quadratic through f(0), f'(0), f(step), kept within [0.1, 0.5] of the step.
      const q = (-dg * step * step) / (2 * (fn - fx - step * dg));
      step = Number.isFinite(q) ? Math.min(0.5 * step, Math.max(0.1 * step, q)) : 0.5 * step;
    }
    if (!ok) break; // no decrease possible at float precision: we are at the optimum
    const sNew = S.length === o.history ? S.shift()! : new Float64Array(P),
      yNew = Y.length === o.history ? Y.shift()! : new Float64Array(P);
    for (let t = 0; t < P; t++) {
      sNew[t] = xn[t] - x[t];
      yNew[t] = gn[t] - g[t];
    }
    if (dot(sNew, yNew) > 1e-10 * dot(yNew, yNew)) {
      S.push(sNew);
      Y.push(yNew);
    }
    const rel = (fx - fn) / Math.max(Math.abs(fx), Math.abs(fn), 1e-12);
    [x, xn] = [xn, x];
    [g, gn] = [gn, g];
    fx = fn;
    iterations++;
    if (rel < o.tol || maxAbs(g) < o.gtol) converged = true;
  }
  return { x, f: fx, iterations, evaluations, converged, memory: { s: S, y: Y } as LbfgsMemory };
}
