// Near-identical labelled images that carry different labels, judged on their pixels (never on features:
// two different pictures can have close features, and a near-duplicate hint must mean "the same picture").
// Each image is reduced to a 16×16 RGB print (EXIF-upright, transparency on the shared background,
// stretched to a square); two images are near-identical when their prints differ by at most DUPLICATE_MAD
// levels (0–255) on average. A sketch of 4×4-pixel block means rules out most pairs first: its mean
// absolute difference never exceeds the full one, so nothing is missed.
import sharp from 'sharp';
import { onBackground } from '../../common/image-background.ts';
import { Cancelled, type Slicer } from './slices.ts';

export const PRINT_SIDE = 16;
/** mean absolute difference (0–255) at or below which two prints count as the same picture. Measured on
 *  500 demo pictures (random colours on noise, stripes and gradients: the hard case): a JPEG re-encode
 *  (q70) or an 80 %-resized copy differs from its picture by at most 1.4; distinct pictures by 7.3 or
 *  more (grey prints could not tell them apart: 1.4 at 16×16, 2.1 at 32×32). */
export const DUPLICATE_MAD = 3;
/** pairs are looked for among at most this many labelled images (the most recently labelled) */
export const MAX_DUPLICATE_ROWS = 4000;
const BLOCK = 4,
  PER = PRINT_SIDE / BLOCK,
  COARSE = 3 * PER * PER,
  N = 3 * PRINT_SIDE * PRINT_SIDE;

/** The 16×16 RGB print of an image (768 bytes, interleaved). */
export async function pixelPrint(src: Buffer | string): Promise<Uint8Array> {
  const data = await onBackground(sharp(src, { autoOrient: true, failOn: 'error' }))
    .resize(PRINT_SIDE, PRINT_SIDE, { fit: 'fill', kernel: 'linear' })
    .toColourspace('srgb')
    .raw()
    .toBuffer();
  if (data.length !== N) throw new Error(`print of ${data.length} bytes, not ${N}`);
  return new Uint8Array(data.buffer, data.byteOffset, N);
}

export interface PrintSource {
  id: number;
  sha: string;
  source: () => Promise<Buffer | string>;
}

/** Prints by image id, kept across runs (768 bytes each); an image whose bytes changed is printed again. */
export class PixelPrints {
  private prints = new Map<number, { sha: string; print: Uint8Array | null }>();

  /** the prints of these images, null where the image cannot be read; a few decodes at a time */
  async of(items: PrintSource[], slicer: Slicer, alive: () => boolean, parallel = 4): Promise<(Uint8Array | null)[]> {
    const todo = items.filter((it) => this.prints.get(it.id)?.sha !== it.sha);
    for (let k = 0; k < todo.length; k += parallel) {
      await Promise.all(
        todo.slice(k, k + parallel).map(async (it) => {
          const print = await it
            .source()
            .then(pixelPrint, () => null)
            .catch(() => null);
          this.prints.set(it.id, { sha: it.sha, print });
        }),
      );
      if (slicer.spent()) {
        await slicer.pause();
        if (!alive()) throw new Cancelled();
      }
    }
    return items.map((it) => this.prints.get(it.id)?.print ?? null);
  }

  clear(): void {
    this.prints.clear();
  }
}

function coarse(p: Uint8Array): Float32Array {
  const out = new Float32Array(COARSE);
  for (let y = 0; y < PRINT_SIDE; y++)
    for (let x = 0; x < PRINT_SIDE; x++) {
      for (let c = 0; c < 3; c++)
        out[(Math.floor(y / BLOCK) * PER + Math.floor(x / BLOCK)) * 3 + c] += p[(y * PRINT_SIDE + x) * 3 + c];
    }
  for (let k = 0; k < COARSE; k++) out[k] /= BLOCK * BLOCK;
  return out;
}

export interface PixelPair {
  a: number;
  b: number;
  difference: number;
}

/** Pairs (by index, a < b) of prints with different labels and mean absolute difference ≤ threshold,
 *  closest first, at most `max`. Rows without a print are skipped. */
export async function pixelDuplicates(
  prints: (Uint8Array | null)[],
  labels: ArrayLike<number>,
  slicer: Slicer,
  alive: () => boolean,
  threshold = DUPLICATE_MAD,
  max = 50,
): Promise<PixelPair[]> {
  const n = prints.length,
    sketch = prints.map((p) => (p ? coarse(p) : null));
  const out: PixelPair[] = [];
  for (let a = 0; a < n; a++) {
    const pa = prints[a],
      sa = sketch[a];
    if (!pa || !sa) continue;
    for (let b = a + 1; b < n; b++) {
      const pb = prints[b],
        sb = sketch[b];
      if (!pb || !sb || labels[a] === labels[b]) continue;
      let c = 0;
      for (let k = 0; k < COARSE; k++) c += Math.abs(sa[k] - sb[k]);
      // each block mean is a mean of BLOCK² pixels: the sketch's mean difference bounds the full one from below
      if (c / COARSE > threshold) continue;
      let s = 0;
      for (let k = 0; k < N; k++) s += Math.abs(pa[k] - pb[k]);
      if (s / N <= threshold) out.push({ a, b, difference: s / N });
    }
    if (slicer.spent()) {
      await slicer.pause();
      if (!alive()) throw new Cancelled();
    }
  }
  return out.sort((x, y) => x.difference - y.difference || x.a - y.a || x.b - y.b).slice(0, max);
}
