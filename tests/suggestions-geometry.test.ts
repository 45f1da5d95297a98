// The geometry the suggestions work in (trainer/suggestions-sketch.ts): standardised features projected on
// their top principal components. What the cold start and `diverse` need from it is that an image's
// neighbours stay its neighbours; a random 64-d sketch of high-dimensional features loses them.
import { describe, expect, it } from 'vitest';
import { fitBasis, jacobiEigen, sketcher, sketchRows } from '../trainer/suggestions-sketch.ts';
import { gauss, mulberry32 } from '../trainer/rng.ts';
import { knnAgreement } from '../scripts/probe-backbone.ts';

/** `k` clusters whose centres differ only inside a random `sub`-dim subspace of `d` dims, buried in unit
 *  noise on every dim: what pooled CNN/ViT features look like (a few semantic directions, much noise). */
function buried(k: number, per: number, d: number, sub: number, sep: number, seed = 5) {
  const r = mulberry32(seed);
  const basis = Array.from({ length: sub }, () => Array.from({ length: d }, () => gauss(r) / Math.sqrt(d)));
  const centres = Array.from({ length: k }, () => Array.from({ length: sub }, () => gauss(r) * sep));
  const n = k * per,
    X = new Float32Array(n * d),
    y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % k;
    y[i] = c;
    for (let j = 0; j < d; j++) {
      let v = gauss(r);
      for (let s = 0; s < sub; s++) v += centres[c][s] * basis[s][j];
      X[i * d + j] = v;
    }
  }
  return { X, y, n, d };
}

describe('suggestion geometry', () => {
  it('keeps neighbours: 10-NN agreement in 64 dims matches the full 512-d features', () => {
    const b = buried(8, 40, 512, 8, 6);
    const { Z, m } = sketchRows(b.X, b.d, b.n);
    expect(m).toBe(64);
    const full = knnAgreement(Float64Array.from(b.X), b.d, b.y, b.n);
    const proj = knnAgreement(Z, m, b.y, b.n);
    expect(full).toBeGreaterThan(0.9); // the structure is there in the full features
    // the 64-d count sketch used before agreed 0.90 here (full: 1.00); the principal subspace keeps what the full space has
    expect(proj).toBeGreaterThanOrEqual(full - 0.02);
  });

  it('finds the principal directions: a planted direction of large variance comes first', () => {
    const r = mulberry32(9),
      n = 400,
      d = 100;
    const u = Array.from({ length: d }, () => gauss(r));
    const norm = Math.hypot(...u);
    const X = new Float32Array(n * d);
    for (let i = 0; i < n; i++) {
      const a = gauss(r) * 10;
      for (let j = 0; j < d; j++) X[i * d + j] = a * (u[j] / norm) * Math.sqrt(d) + gauss(r);
    }
    const { Z, m } = sketchRows(X, d, n);
    // the first coordinate carries most of the variance, the second is noise-sized
    const v = (t: number) => {
      let s = 0,
        s2 = 0;
      for (let i = 0; i < n; i++) {
        s += Z[i * m + t];
        s2 += Z[i * m + t] ** 2;
      }
      return s2 / n - (s / n) ** 2;
    };
    expect(v(0)).toBeGreaterThan(20 * v(1));
  });

  it('Jacobi eigen-decomposition: A v = λ v, largest first', () => {
    const r = mulberry32(2),
      k = 6,
      S = new Float64Array(k * k);
    for (let i = 0; i < k; i++)
      for (let j = 0; j <= i; j++) {
        const x = gauss(r);
        S[i * k + j] = x;
        S[j * k + i] = x;
      }
    const { values, vectors } = jacobiEigen(S, k);
    for (let t = 1; t < k; t++) expect(values[t]).toBeLessThanOrEqual(values[t - 1]);
    for (let t = 0; t < k; t++)
      for (let i = 0; i < k; i++) {
        let av = 0;
        for (let j = 0; j < k; j++) av += S[i * k + j] * vectors[j * k + t];
        expect(av).toBeCloseTo(values[t] * vectors[i * k + t], 8);
      }
  });

  it('a row named by a key is projected once and reused; another feature set gets its own basis', () => {
    const a = buried(4, 30, 128, 4, 6, 1),
      b = buried(4, 30, 128, 4, 6, 2);
    const keys = Array.from({ length: a.n }, (_, i) => 1000 + i),
      rows = [0, 5, 17, 99];
    const plain = sketcher(a.X, a.d, a.n).sketch(rows);
    const first = sketcher(a.X, a.d, a.n, keys).sketch(rows),
      again = sketcher(a.X, a.d, a.n, keys).sketch(rows);
    expect(Array.from(first)).toEqual(Array.from(plain));
    expect(Array.from(again)).toEqual(Array.from(plain));
    // same ids, other features (another session): not served from the first set's cache
    const other = sketcher(b.X, b.d, b.n, keys).sketch(rows),
      otherPlain = sketcher(b.X, b.d, b.n).sketch(rows);
    expect(Array.from(other)).toEqual(Array.from(otherPlain));
    expect(Array.from(other)).not.toEqual(Array.from(plain));
  });

  it('small feature sets (d ≤ 64) are only standardised', () => {
    const X = Float32Array.from([0, 10, 2, 20, 4, 30]); // 3 rows × 2 dims
    const f = fitBasis(X, 2, 3);
    expect(f.m).toBe(2);
    const { Z } = sketchRows(X, 2, 3);
    expect(Z[0]).toBeCloseTo(-Math.sqrt(1.5), 6); // (0 − 2) / std(0, 2, 4)
    expect(Z[5]).toBeCloseTo(Math.sqrt(1.5), 6);
  });
});
