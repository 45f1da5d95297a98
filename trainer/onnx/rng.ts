// Deterministic weights: the same seed must give byte-identical model files on every machine,
// so we use our own PRNG (mulberry32) instead of Math.random.

export { mulberry32 } from '../rng.ts';

/** Uniform weights with the given standard deviation (cheaper than Gaussians for 22M values). */
export function randomWeights(rand: () => number, n: number, std: number): Float32Array {
  const a = std * Math.sqrt(3);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (rand() * 2 - 1) * a;
  return out;
}

export function filled(n: number, v: number): Float32Array {
  return new Float32Array(n).fill(v);
}
