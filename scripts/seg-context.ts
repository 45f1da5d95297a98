// Candidates for segmentation from a few labelled scenes, measured by scripts/probe-seg-few.ts and not in
// the trainer (none beat the plain patch head on the development scenes: docs/segmentation.md). A patch
// token of a shape's flat interior looks the same whatever the shape; the outline that tells a star from a
// circle is patches away. contextTokens gives each token its neighbourhood (the token and the means of the
// tokens in boxes around it, concatenated: still one linear head, on more dimensions); regionVote gives each
// connected region of non-background patches one class (the highest mean probability over the region), its
// patches keeping their background probability, so the region's outline stays the head's.

/** Neighbourhood radii (in patches) of the context boxes; each adds d dimensions to a token. */
export const CONTEXT_RADII = [2, 6];

/** Dimension of a token with context, from the backbone's token dimension. */
export const contextDim = (d: number, radii: number[] = CONTEXT_RADII) => d * (1 + radii.length);

/** Tokens [h*w, d] → tokens with context [h*w, d * (1 + radii.length)]: each token followed by the mean of
 *  the tokens within each radius (a box, clipped at the image's edges). Integral image per channel:
 *  O(h·w·d) per radius. */
export function contextTokens(
  data: Float32Array,
  h: number,
  w: number,
  d: number,
  radii: number[] = CONTEXT_RADII,
): Float32Array {
  const n = h * w,
    D = d * (1 + radii.length),
    out = new Float32Array(n * D);
  for (let p = 0; p < n; p++) out.set(data.subarray(p * d, p * d + d), p * D);
  if (!radii.length) return out;
  // integral image [(h+1) * (w+1), d] in float64 (sums of hundreds of tokens)
  const W1 = w + 1,
    S = new Float64Array((h + 1) * W1 * d);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const o = ((y + 1) * W1 + x + 1) * d,
        a = (y * W1 + x + 1) * d,
        b = ((y + 1) * W1 + x) * d,
        c = (y * W1 + x) * d,
        t = (y * w + x) * d;
      for (let k = 0; k < d; k++) S[o + k] = data[t + k] + S[a + k] + S[b + k] - S[c + k];
    }
  radii.forEach((r, ri) => {
    const off = d * (1 + ri);
    for (let y = 0; y < h; y++) {
      const y0 = Math.max(0, y - r),
        y1 = Math.min(h, y + r + 1);
      for (let x = 0; x < w; x++) {
        const x0 = Math.max(0, x - r),
          x1 = Math.min(w, x + r + 1),
          inv = 1 / ((y1 - y0) * (x1 - x0));
        const A = (y1 * W1 + x1) * d,
          B = (y0 * W1 + x1) * d,
          C = (y1 * W1 + x0) * d,
          E = (y0 * W1 + x0) * d,
          o = (y * w + x) * D + off;
        for (let k = 0; k < d; k++) out[o + k] = (S[A + k] - S[B + k] - S[C + k] + S[E + k]) * inv;
      }
    }
  });
  return out;
}

/** One class per connected (4-neighbour) region of patches whose arg-max is not `background`: the class
 *  with the highest mean probability over the region (background excluded) gets each patch's whole
 *  non-background probability. probs: [n, C] row-major, changed in place. */
export function regionVote(probs: Float32Array, C: number, h: number, w: number, background: number): void {
  const n = h * w,
    top = new Int32Array(n);
  for (let p = 0; p < n; p++) {
    let b = 0;
    for (let c = 1; c < C; c++) if (probs[p * C + c] > probs[p * C + b]) b = c;
    top[p] = b;
  }
  const seen = new Uint8Array(n),
    stack: number[] = [],
    region: number[] = [],
    sum = new Float64Array(C);
  for (let s = 0; s < n; s++) {
    if (seen[s] || top[s] === background) continue;
    region.length = 0;
    sum.fill(0);
    seen[s] = 1;
    stack.push(s);
    while (stack.length) {
      const p = stack.pop()!;
      region.push(p);
      for (let c = 0; c < C; c++) sum[c] += probs[p * C + c];
      const x = p % w,
        y = (p - x) / w;
      const nb = [x > 0 ? p - 1 : -1, x + 1 < w ? p + 1 : -1, y > 0 ? p - w : -1, y + 1 < h ? p + w : -1];
      for (const q of nb)
        if (q >= 0 && !seen[q] && top[q] !== background) {
          seen[q] = 1;
          stack.push(q);
        }
    }
    let best = -1;
    for (let c = 0; c < C; c++) if (c !== background && (best < 0 || sum[c] > sum[best])) best = c;
    for (const p of region) {
      const bg = background >= 0 && background < C ? probs[p * C + background] : 0;
      for (let c = 0; c < C; c++) if (c !== background) probs[p * C + c] = c === best ? 1 - bg : 0;
    }
  }
}
