// Your mask as hints for the refinement (refine-hints.ts), at the size the map is refined to. DOM-free:
// the browser (overlay, Enter) and the server (accept-prediction) build the same hints from the same mask.

/** Your mask (class ids, W×H) as refinement hints at w×h: index into `classIds` + 1, 0 where unpainted. */
export function hintsFrom(
  mask: Uint8Array,
  W: number,
  H: number,
  classIds: number[],
  w: number,
  h: number,
): Uint8Array | null {
  const lut = new Uint8Array(256);
  classIds.forEach((id, i) => {
    if (id < 256) lut[id] = i + 1;
  });
  const out = new Uint8Array(w * h);
  let any = false;
  for (let y = 0; y < h; y++) {
    const row = Math.min(H - 1, Math.floor(((y + 0.5) * H) / h)) * W;
    for (let x = 0; x < w; x++) {
      const v = lut[mask[row + Math.min(W - 1, Math.floor(((x + 0.5) * W) / w))]];
      out[y * w + x] = v;
      if (v) any = true;
    }
  }
  return any ? out : null;
}
