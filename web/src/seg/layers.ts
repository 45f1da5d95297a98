// Image-sized bitmaps the editor draws: your mask (a fill and a crisp outline, updated by dirty
// rectangles, so a stroke costs its own size, not the image's) and the model's prediction, refined to
// the image's edges (common/seg/refine.ts), with its uncertainty heat-map and where it disagrees with you.
import {
  colorize,
  decodeBase64,
  heatmap,
  overlaySize,
  upsampleArgmax,
  type RGB,
  type Upsampled,
} from './overlay-math.ts';
import { maskEdges, maskFill } from './outline.ts';
import type { Rect } from './raster.ts';
import { refineMap, type Guide } from '../../../common/seg/refine.ts';
import { hintsFrom } from '../../../common/seg/hints.ts';
import type { SegmentationPrediction } from '../../../common/protocol.ts';

function canvas(w: number, h: number): HTMLCanvasElement {
  const c = document.createElement('canvas');
  c.width = w;
  c.height = h;
  return c;
}
function paint(
  c: HTMLCanvasElement,
  fill: (out: Uint8ClampedArray<ArrayBuffer>) => void,
  x = 0,
  y = 0,
  w = c.width,
  h = c.height,
): void {
  const ctx = c.getContext('2d')!,
    img = ctx.createImageData(w, h);
  fill(img.data);
  ctx.putImageData(img, x, y);
}

/** Your mask: `fill` in class colours at full alpha (the editor applies the mask opacity), `edges` the
 *  pixels on its outline, `thickness` image pixels wide (so it stays visible when the image is shrunk). */
export class MaskLayer {
  readonly fill: HTMLCanvasElement;
  readonly edges: HTMLCanvasElement;
  constructor(
    readonly width: number,
    readonly height: number,
    public thickness = 1,
  ) {
    this.fill = canvas(width, height);
    this.edges = canvas(width, height);
  }
  update(mask: Uint8Array, colors: Map<number, RGB>, rect?: Rect | null): void {
    const r = rect ?? { x0: 0, y0: 0, x1: this.width, y1: this.height };
    if (r.x1 <= r.x0 || r.y1 <= r.y0) return;
    paint(this.fill, (d) => maskFill(mask, this.width, colors, r, d), r.x0, r.y0, r.x1 - r.x0, r.y1 - r.y0);
    // an edit changes the outline up to `thickness` beyond its rectangle
    const t = this.thickness + 1;
    const e = {
      x0: Math.max(0, r.x0 - t),
      y0: Math.max(0, r.y0 - t),
      x1: Math.min(this.width, r.x1 + t),
      y1: Math.min(this.height, r.y1 + t),
    };
    paint(
      this.edges,
      (d) => maskEdges(mask, this.width, this.height, colors, e, this.thickness, d),
      e.x0,
      e.y0,
      e.x1 - e.x0,
      e.y1 - e.y0,
    );
  }
}

export class PredictionLayer {
  overlay: HTMLCanvasElement | null = null;
  heat: HTMLCanvasElement | null = null;
  edges: HTMLCanvasElement | null = null;
  private up: Upsampled | null = null;
  private modelUp: Upsampled | null = null;
  /** whether the overlay follows the image's edges (false until the image is decoded: plain bilinear) */
  refined = false;
  /** `mask`: your current mask (class ids), whose strokes the refinement of this image takes as evidence */
  constructor(
    readonly pred: SegmentationPrediction,
    readonly width: number,
    readonly height: number,
    private guide: (w: number, h: number) => Guide | null,
    private mask: () => Uint8Array | null = () => null,
  ) {}

  /** Your mask changed (a finished stroke, undo, Enter): the overlay is refined again with it. */
  invalidate(): void {
    this.up = null;
    this.overlay = null;
    this.heat = null;
    this.edges = null;
  }

  private upsample(w: number, h: number, withStrokes = true): Upsampled {
    const p = this.pred,
      map = decodeBase64(p.map),
      g = this.guide(w, h),
      m = withStrokes ? this.mask() : null;
    const hints = m ? hintsFrom(m, this.width, this.height, p.classIds, w, h) : null;
    return g
      ? refineMap(map, p.classIds.length, p.height, p.width, g, {}, hints)
      : upsampleArgmax(map, p.classIds.length, p.height, p.width, w, h);
  }
  /** The model's own refined map, without your strokes (what the disagreement view compares you with). */
  modelOnly(): Upsampled {
    if (!this.modelUp) {
      const { width, height } = overlaySize(this.width, this.height);
      this.modelUp = this.upsample(width, height, false);
    }
    return this.modelUp;
  }
  /** The map at overlay size (the image size, capped so a 24-MP photo stays interactive). */
  sampled(): Upsampled {
    if (!this.up) {
      const { width, height } = overlaySize(this.width, this.height);
      this.refined = !!this.guide(width, height);
      this.up = this.upsample(width, height);
    }
    return this.up;
  }
  /** Arg-max colours at full alpha; the editor applies opacity and the hatching. */
  overlayCanvas(colorOf: (id: number) => RGB): HTMLCanvasElement {
    if (!this.overlay) {
      const u = this.sampled();
      this.overlay = canvas(u.width, u.height);
      paint(this.overlay, (d) => colorize(u, this.pred.classIds.map(colorOf), 1, d));
    }
    return this.overlay;
  }
  /** Where the predicted class changes, in white (the editor draws it dotted: the model's line, not yours). */
  edgeCanvas(): HTMLCanvasElement {
    if (!this.edges) {
      const u = this.sampled(),
        W = u.width,
        H = u.height,
        idx = u.idx;
      this.edges = canvas(W, H);
      paint(this.edges, (d) => {
        for (let y = 0; y < H; y++)
          for (let x = 0; x < W; x++) {
            const i = y * W + x,
              v = idx[i];
            if (
              (x + 1 < W && idx[i + 1] !== v) ||
              (y + 1 < H && idx[i + W] !== v) ||
              (x > 0 && idx[i - 1] !== v) ||
              (y > 0 && idx[i - W] !== v)
            )
              d.fill(255, 4 * i, 4 * i + 4);
          }
      });
    }
    return this.edges;
  }
  heatCanvas(): HTMLCanvasElement {
    if (!this.heat) {
      const u = this.sampled();
      this.heat = canvas(u.width, u.height);
      paint(this.heat, (d) => heatmap(u, d));
    }
    return this.heat;
  }
  /** The refined prediction as a full-resolution class-id mask (Enter: your strokes stay, it fills the rest). */
  fullMask(): Uint8Array {
    const u = this.upsample(this.width, this.height),
      ids = this.pred.classIds;
    const out = new Uint8Array(u.idx.length);
    for (let i = 0; i < out.length; i++) out[i] = ids[u.idx[i]] ?? 0;
    return out;
  }
}
