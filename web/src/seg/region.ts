// The connected region of a label map under a pixel (4-connected, same value): what "recolour this
// predicted region" relabels. Pure: unit-tested under Node.

/** Indices of the pixels 4-connected to (x, y) that hold the same value as it; empty outside the map. */
export function regionAt(labels: Uint8Array, W: number, H: number, x: number, y: number): Uint32Array {
  const x0 = Math.floor(x),
    y0 = Math.floor(y);
  if (x0 < 0 || y0 < 0 || x0 >= W || y0 >= H) return new Uint32Array(0);
  const v = labels[y0 * W + x0],
    seen = new Uint8Array(W * H),
    out = new Uint32Array(W * H);
  let n = 0,
    head = 0;
  out[n++] = y0 * W + x0;
  seen[y0 * W + x0] = 1;
  while (head < n) {
    const i = out[head++],
      px = i % W;
    const visit = (j: number) => {
      if (!seen[j] && labels[j] === v) {
        seen[j] = 1;
        out[n++] = j;
      }
    };
    if (px > 0) visit(i - 1);
    if (px + 1 < W) visit(i + 1);
    if (i >= W) visit(i - W);
    if (i + W < W * H) visit(i + W);
  }
  return out.slice(0, n);
}

/** Share of each class index in an arg-max map and the mean top-1 confidence (0..1). */
export function mapSummary(
  idx: Uint8Array,
  conf: Uint8Array,
  classes: number,
): { shares: number[]; meanConfidence: number } {
  const counts = new Array<number>(classes).fill(0);
  let sum = 0;
  for (let p = 0; p < idx.length; p++) {
    counts[idx[p]]++;
    sum += conf[p];
  }
  const n = Math.max(1, idx.length);
  return { shares: counts.map((c) => c / n), meanConfidence: sum / n / 255 };
}
