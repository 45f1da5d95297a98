// The segmentation canvas: image, prediction (hatched), heat-map, your mask (fill + outline), points,
// polygon and brush preview, drawn with one view transform (render.ts). Edits go to the ImageState the
// page owns; pointer input lives in editor-input.ts.
import type { SegmentationPrediction } from '../../../common/protocol.ts';
import { History, cloneState, type Point, type SegState } from './history.ts';
import { MaskLayer, PredictionLayer } from './layers.ts';
import { disagreement } from './outline.ts';
import { hexToRgb, type RGB } from './overlay-math.ts';
import { imagePixels } from './pixels.ts';
import { dropUnknown, fillPolygon, union, type Rect } from './raster.ts';
import type { SpMap } from './superpixel-brush.ts';
import { fitView, panBy, toImage, zoomAt, type View } from './view.ts';
import { mapSummary, regionAt } from './region.ts';

export type Tool = 'brush' | 'eraser' | 'point' | 'polygon' | 'region';

/** One image's editable annotation, kept by the page between visits until it is saved. */
export interface ImageState {
  id: number;
  width: number;
  height: number;
  mask: Uint8Array;
  points: Point[];
  history: History;
  dirty: boolean;
  rev: number;
}

export function newImageState(
  id: number,
  width: number,
  height: number,
  mask: Uint8Array | null,
  points: Point[],
): ImageState {
  return {
    id,
    width,
    height,
    mask: mask ?? new Uint8Array(width * height),
    points,
    history: new History(60),
    dirty: false,
    rev: 0,
  };
}

export class SegEditor {
  tool: Tool = 'brush';
  classId = 0;
  /** brush diameter in image pixels */
  brush = 12;
  overlayOn = true;
  heatOn = false;
  /** the prediction's opacity, and your mask's fill (its outline follows it, stronger) */
  opacity = 0.6;
  maskOpacity = 0.3;
  /** hide both overlays (the bare image); show only where your mask and the prediction disagree */
  hideAll = false;
  diffOnly = false;
  /** the brush and the eraser paint whole superpixels (when they are computed for this image) */
  snap = false;
  superpixels: SpMap | null = null;
  previewCache: { key: string; canvas: HTMLCanvasElement; x: number; y: number } | null = null;
  view: View = { scale: 1, tx: 0, ty: 0 };
  polygon: { x: number; y: number }[] = [];
  /** pointer position in CSS pixels of the canvas, for the brush preview */
  cursor: { x: number; y: number } | null = null;
  state: ImageState | null = null;
  img: HTMLImageElement | null = null;
  colors = new Map<number, RGB>();
  maskLayer: MaskLayer | null = null;
  pred: PredictionLayer | null = null;
  size = { w: 0, h: 0 };
  /** what the disagreement view counted: your labelled pixels and those the prediction disagrees with */
  diffStats: { disagree: number; labelled: number } | null = null;
  private diff: { pred: PredictionLayer; rev: number; canvas: HTMLCanvasElement } | null = null;
  /** called whenever the disagreement is counted again (the page shows the count drawn) */
  onDiff: (() => void) | null = null;
  /** the region tool's click at image point (x, y): the page recolours and says what it did */
  onRegion: ((x: number, y: number) => void) | null = null;
  private hatch: HTMLCanvasElement | null = null;
  private frame = 0;
  private fitted = false;

  /** `draw` paints the editor (seg/render.ts renderEditor), passed in so render.ts may name this class
   *  without the two modules importing each other */
  constructor(
    readonly canvas: HTMLCanvasElement,
    private onEdit: (kind: 'stroke' | 'done') => void,
    private draw: (ed: SegEditor, ctx: CanvasRenderingContext2D) => void,
  ) {}

  setImage(state: ImageState, img: HTMLImageElement): void {
    this.state = state;
    this.img = img;
    this.polygon = [];
    if (this.colors.size)
      dropUnknown({ data: state.mask, width: state.width, height: state.height }, new Set(this.colors.keys()));
    this.maskLayer = new MaskLayer(state.width, state.height);
    this.superpixels = null;
    this.previewCache = null;
    this.diff = null;
    this.fitted = false;
    this.fit();
    this.maskLayer.update(state.mask, this.colors);
  }

  setPrediction(p: SegmentationPrediction | null): void {
    const s = this.state,
      img = this.img;
    if (this.pred?.pred === p) return;
    // refined against the image's own pixels (its guide) at the size asked for
    this.pred =
      p && s && img
        ? new PredictionLayer(
            p,
            s.width,
            s.height,
            (w, h) => imagePixels(img, w, h),
            () => (this.state === s ? s.mask : null),
          )
        : null;
    this.requestRender();
  }
  setSuperpixels(id: number, sp: SpMap): void {
    if (this.state?.id !== id || sp.W !== this.state.width || sp.H !== this.state.height) return;
    this.superpixels = sp;
    this.previewCache = null;
    this.requestRender();
  }

  /** The disagreement overlay for the current mask and prediction (recomputed after each edit). */
  diffCanvas(): HTMLCanvasElement | null {
    const s = this.state,
      p = this.pred;
    if (!s || !p) {
      this.diffStats = null;
      return null;
    }
    if (this.diff?.pred !== p || this.diff.rev !== s.rev) {
      // against the model's own map: the overlay takes your strokes as evidence, so it agrees with them
      const u = p.modelOnly(),
        c = this.diff?.canvas ?? document.createElement('canvas');
      c.width = u.width;
      c.height = u.height;
      const ctx = c.getContext('2d')!,
        img = ctx.createImageData(u.width, u.height);
      const r = disagreement(s.mask, s.width, s.height, u, p.pred.classIds, img.data);
      ctx.putImageData(img, 0, 0);
      this.diffStats = { disagree: r.disagree, labelled: r.labelled };
      this.diff = { pred: p, rev: s.rev, canvas: c };
      this.onDiff?.();
    }
    return this.diff.canvas;
  }
  /** A screen-sized scratch canvas for the hatched prediction. */
  hatchBuffer(): HTMLCanvasElement {
    const c = (this.hatch ??= document.createElement('canvas'));
    if (c.width !== this.canvas.width || c.height !== this.canvas.height) {
      c.width = this.canvas.width;
      c.height = this.canvas.height;
    }
    return c;
  }
  get hasPrediction(): boolean {
    return !!this.pred;
  }

  setColors(classes: { id: number; color: string }[]): void {
    this.colors = new Map(classes.map((k) => [k.id, hexToRgb(k.color)]));
    const s = this.state;
    if (s) {
      // a deleted class leaves the mask and the points
      const gone = dropUnknown({ data: s.mask, width: s.width, height: s.height }, new Set(this.colors.keys()));
      const before = s.points.length;
      s.points = s.points.filter((p) => this.colors.has(p.classId));
      if (gone || before !== s.points.length) {
        s.dirty = true;
        s.rev++;
        this.onEdit('done');
      }
      this.maskLayer?.update(s.mask, this.colors);
    }
    if (this.pred) this.pred.overlay = null;
    this.requestRender();
  }

  resize(w: number, h: number): void {
    const dpr = window.devicePixelRatio || 1;
    this.size = { w, h };
    this.canvas.width = Math.round(w * dpr);
    this.canvas.height = Math.round(h * dpr);
    if (!this.fitted) this.fit();
    else this.requestRender();
  }

  fit(): void {
    const s = this.state;
    if (!s || !this.size.w) return;
    this.view = fitView(s.width, s.height, this.size.w, this.size.h);
    this.fitted = true;
    // the outline stays about 1.5 screen pixels wide at the fitted zoom (a shrunk 24-MP photo included)
    const t = Math.max(1, Math.round(1.5 / this.view.scale));
    if (this.maskLayer && this.maskLayer.thickness !== t) {
      this.maskLayer.thickness = t;
      this.maskLayer.update(s.mask, this.colors);
    }
    this.requestRender();
  }
  zoom(factor: number, at?: { x: number; y: number }): void {
    this.view = zoomAt(this.view, factor, at?.x ?? this.size.w / 2, at?.y ?? this.size.h / 2);
    this.requestRender();
  }
  /** a point of the canvas (CSS pixels) in image coordinates */
  toImagePoint(p: { x: number; y: number }): { x: number; y: number } {
    return toImage(this.view, p.x, p.y);
  }
  pan(dx: number, dy: number): void {
    this.view = panBy(this.view, dx, dy);
    this.requestRender();
  }

  /** Snapshot for undo (with what the edit is, for "undone: …"), then apply an edit to the mask/points. */
  edit(fn: (s: ImageState) => Rect | 'all' | null | void, kind: 'stroke' | 'done' = 'done', what = 'edit'): void {
    const s = this.state;
    if (!s) return;
    s.history.push(s, what);
    const dirty = fn(s);
    this.changed(dirty === undefined ? 'all' : dirty, kind);
  }
  /** After an edit: repaint the dirty rect ('all', or null when no pixel changed) and tell the page. */
  changed(rect: Rect | 'all' | null, kind: 'stroke' | 'done' = 'done'): void {
    const s = this.state!;
    s.dirty = true;
    s.rev++;
    if (rect) this.maskLayer?.update(s.mask, this.colors, rect === 'all' ? null : rect);
    // a finished edit is new evidence for the refinement of this image (not every pointer move: too costly)
    if (kind === 'done') this.pred?.invalidate();
    this.onEdit(kind);
    this.requestRender();
  }

  private restore(to: SegState | null): boolean {
    const s = this.state;
    if (!s || !to) return false;
    s.mask.set(to.mask);
    s.points = to.points;
    this.changed('all');
    return true;
  }
  undo(): boolean {
    const s = this.state;
    return !!s && this.restore(s.history.undo(cloneState(s)));
  }
  redo(): boolean {
    const s = this.state;
    return !!s && this.restore(s.history.redo(cloneState(s)));
  }
  clear(): void {
    this.edit(
      (s) => {
        s.mask.fill(0);
        s.points = [];
        return 'all';
      },
      'done',
      'clear',
    );
  }

  /** The predicted map in numbers: each class's share of the image and the mean top-1 confidence. */
  predictionSummary(): { shares: { classId: number; share: number }[]; meanConfidence: number } | null {
    const p = this.pred;
    if (!p) return null;
    const u = p.sampled(),
      r = mapSummary(u.idx, u.conf, p.pred.classIds.length);
    return {
      shares: p.pred.classIds.map((classId, i) => ({ classId, share: r.shares[i] })),
      meanConfidence: r.meanConfidence,
    };
  }

  /** Recolour the connected region of the prediction under image point (x, y) with `classId`, as one
   *  undoable edit. Returns the region's predicted class and size, or null where there is none. */
  recolourAt(x: number, y: number, classId: number): { from: number; pixels: number } | null {
    const s = this.state,
      p = this.pred;
    if (!s || !p || !classId) return null;
    const full = p.fullMask(),
      idx = regionAt(full, s.width, s.height, x, y);
    if (!idx.length) return null;
    const from = full[idx[0]];
    this.edit(
      (st) => {
        for (const i of idx) st.mask[i] = classId;
        return 'all';
      },
      'done',
      'region recolour',
    );
    return { from, pixels: idx.length };
  }

  /** Enter: the refined prediction fills every pixel you have not painted; your strokes always win. */
  acceptPrediction(): boolean {
    if (!this.pred) return false;
    const full = this.pred.fullMask();
    this.edit(
      (s) => {
        for (let i = 0; i < full.length; i++) if (!s.mask[i]) s.mask[i] = full[i];
        dropUnknown({ data: s.mask, width: s.width, height: s.height }, new Set(this.colors.keys()));
        return 'all';
      },
      'done',
      'accepted prediction',
    );
    return true;
  }
  closePolygon(): boolean {
    if (this.polygon.length < 3) {
      this.polygon = [];
      this.requestRender();
      return false;
    }
    const pts = this.polygon;
    this.polygon = [];
    const value = this.tool === 'eraser' ? 0 : this.classId;
    this.edit(
      (s) => fillPolygon({ data: s.mask, width: s.width, height: s.height }, pts, value),
      'done',
      'polygon fill',
    );
    return true;
  }

  requestRender(): void {
    if (!this.frame)
      this.frame = requestAnimationFrame(() => {
        this.frame = 0;
        this.render();
      });
  }

  private render(): void {
    this.draw(this, this.canvas.getContext('2d')!);
  }

  dispose(): void {
    cancelAnimationFrame(this.frame);
  }
}

export { union };
