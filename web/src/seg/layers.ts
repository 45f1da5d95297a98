// Image-sized bitmaps the editor draws: the painted mask (updated by dirty rectangles, so a stroke
// costs its own size, not the image's) and the prediction overlay / uncertainty heat-map.
import { colorize, decodeBase64, heatmap, maskRgba, overlaySize, upsampleArgmax, type RGB, type Upsampled } from './overlay-math.ts';
import type { Rect } from './raster.ts';
import type { SegmentationPrediction } from '../../../server/protocol.ts';

function canvas(w: number, h: number): HTMLCanvasElement {
  const c = document.createElement('canvas');
  c.width = w; c.height = h;
  return c;
}

export const MASK_ALPHA = 0.6;

export class MaskLayer {
  readonly canvas: HTMLCanvasElement;
  private ctx: CanvasRenderingContext2D;
  constructor(readonly width: number, readonly height: number) {
    this.canvas = canvas(width, height);
    this.ctx = this.canvas.getContext('2d')!;
  }
  /** Repaint `rect` (or all) of the mask in class colours. */
  update(mask: Uint8Array, colors: Map<number, RGB>, rect?: Rect | null): void {
    const r = rect ?? { x0: 0, y0: 0, x1: this.width, y1: this.height };
    const w = r.x1 - r.x0, h = r.y1 - r.y0;
    if (w <= 0 || h <= 0) return;
    const img = this.ctx.createImageData(w, h);
    maskRgba(mask, colors, MASK_ALPHA, img.data, r, this.width);
    this.ctx.putImageData(img, r.x0, r.y0);
  }
}

export class PredictionLayer {
  overlay: HTMLCanvasElement | null = null;
  heat: HTMLCanvasElement | null = null;
  private up: Upsampled | null = null;
  constructor(readonly pred: SegmentationPrediction, readonly width: number, readonly height: number) {}

  private sampled(): Upsampled {
    if (!this.up) {
      const { width, height } = overlaySize(this.width, this.height);
      const p = this.pred;
      this.up = upsampleArgmax(decodeBase64(p.map), p.classIds.length, p.height, p.width, width, height);
    }
    return this.up;
  }
  /** Arg-max colours at full alpha; the editor applies the opacity slider with globalAlpha. */
  overlayCanvas(colorOf: (id: number) => RGB): HTMLCanvasElement {
    if (!this.overlay) {
      const u = this.sampled();
      this.overlay = canvas(u.width, u.height);
      const ctx = this.overlay.getContext('2d')!;
      const img = ctx.createImageData(u.width, u.height);
      colorize(u, this.pred.classIds.map(colorOf), 1, img.data);
      ctx.putImageData(img, 0, 0);
    }
    return this.overlay;
  }
  heatCanvas(): HTMLCanvasElement {
    if (!this.heat) {
      const u = this.sampled();
      this.heat = canvas(u.width, u.height);
      const ctx = this.heat.getContext('2d')!;
      const img = ctx.createImageData(u.width, u.height);
      heatmap(u, img.data);
      ctx.putImageData(img, 0, 0);
    }
    return this.heat;
  }
  /** The prediction as a full-resolution class-index mask (Enter: accept it, then correct). */
  fullMask(): Uint8Array {
    const p = this.pred;
    const u = upsampleArgmax(decodeBase64(p.map), p.classIds.length, p.height, p.width, this.width, this.height);
    const out = new Uint8Array(u.idx.length);
    for (let i = 0; i < out.length; i++) out[i] = p.classIds[u.idx[i]] ?? 0;
    return out;
  }
}
