// The segmentation canvas: image, prediction overlay, heat-map, painted mask, points, polygon and
// brush preview, drawn with one view transform. Edits go to the ImageState the page owns; pointer
// input lives in editor-input.ts.
import type { SegmentationPrediction } from '../../../server/protocol.ts';
import { History, cloneState, type Point, type SegState } from './history.ts';
import { MaskLayer, PredictionLayer } from './layers.ts';
import { hexToRgb, type RGB } from './overlay-math.ts';
import { dropUnknown, fillPolygon, union, type Rect } from './raster.ts';
import { fitView, panBy, toScreen, zoomAt, type View } from './view.ts';

export type Tool = 'brush' | 'eraser' | 'point' | 'polygon';

/** One image's editable annotation, kept by the page between visits until it is saved. */
export interface ImageState { id: number; width: number; height: number; mask: Uint8Array; points: Point[]; history: History; dirty: boolean; rev: number }

export function newImageState(id: number, width: number, height: number, mask: Uint8Array | null, points: Point[]): ImageState {
  return { id, width, height, mask: mask ?? new Uint8Array(width * height), points, history: new History(60), dirty: false, rev: 0 };
}

export class SegEditor {
  tool: Tool = 'brush';
  classId = 0;
  /** brush diameter in image pixels */
  brush = 12;
  overlayOn = true;
  heatOn = false;
  opacity = 0.45;
  view: View = { scale: 1, tx: 0, ty: 0 };
  polygon: { x: number; y: number }[] = [];
  /** pointer position in CSS pixels of the canvas, for the brush preview */
  cursor: { x: number; y: number } | null = null;
  state: ImageState | null = null;
  img: HTMLImageElement | null = null;
  colors = new Map<number, RGB>();
  private mask: MaskLayer | null = null;
  private pred: PredictionLayer | null = null;
  private size = { w: 0, h: 0 };
  private frame = 0;
  private fitted = false;

  constructor(readonly canvas: HTMLCanvasElement, private onEdit: (kind: 'stroke' | 'done') => void) {}

  setImage(state: ImageState, img: HTMLImageElement): void {
    this.state = state;
    this.img = img;
    this.polygon = [];
    if (this.colors.size) dropUnknown({ data: state.mask, width: state.width, height: state.height }, new Set(this.colors.keys()));
    this.mask = new MaskLayer(state.width, state.height);
    this.mask.update(state.mask, this.colors);
    this.fitted = false;
    this.fit();
  }

  setPrediction(p: SegmentationPrediction | null): void {
    const s = this.state;
    if (this.pred?.pred === p) return;
    this.pred = p && s ? new PredictionLayer(p, s.width, s.height) : null;
    this.requestRender();
  }
  get hasPrediction(): boolean { return !!this.pred; }

  setColors(classes: { id: number; color: string }[]): void {
    this.colors = new Map(classes.map((k) => [k.id, hexToRgb(k.color)]));
    const s = this.state;
    if (s) {
      // a deleted class leaves the mask and the points
      const gone = dropUnknown({ data: s.mask, width: s.width, height: s.height }, new Set(this.colors.keys()));
      const before = s.points.length;
      s.points = s.points.filter((p) => this.colors.has(p.classId));
      if (gone || before !== s.points.length) { s.dirty = true; s.rev++; this.onEdit('done'); }
      this.mask?.update(s.mask, this.colors);
    }
    if (this.pred) this.pred.overlay = null;
    this.requestRender();
  }

  resize(w: number, h: number): void {
    const dpr = window.devicePixelRatio || 1;
    this.size = { w, h };
    this.canvas.width = Math.round(w * dpr);
    this.canvas.height = Math.round(h * dpr);
    if (!this.fitted) this.fit(); else this.requestRender();
  }

  fit(): void {
    const s = this.state;
    if (!s || !this.size.w) return;
    this.view = fitView(s.width, s.height, this.size.w, this.size.h);
    this.fitted = true;
    this.requestRender();
  }
  zoom(factor: number, at?: { x: number; y: number }): void {
    this.view = zoomAt(this.view, factor, at?.x ?? this.size.w / 2, at?.y ?? this.size.h / 2);
    this.requestRender();
  }
  pan(dx: number, dy: number): void { this.view = panBy(this.view, dx, dy); this.requestRender(); }

  /** Snapshot for undo, then apply an edit to the mask/points. */
  edit(fn: (s: ImageState) => Rect | 'all' | null | void, kind: 'stroke' | 'done' = 'done'): void {
    const s = this.state;
    if (!s) return;
    s.history.push(s);
    const dirty = fn(s);
    this.changed(dirty === undefined ? 'all' : dirty, kind);
  }
  /** After an edit: repaint the dirty rect ('all', or null when no pixel changed) and tell the page. */
  changed(rect: Rect | 'all' | null, kind: 'stroke' | 'done' = 'done'): void {
    const s = this.state!;
    s.dirty = true;
    s.rev++;
    if (rect) this.mask?.update(s.mask, this.colors, rect === 'all' ? null : rect);
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
  undo(): boolean { const s = this.state; return !!s && this.restore(s.history.undo(cloneState(s))); }
  redo(): boolean { const s = this.state; return !!s && this.restore(s.history.redo(cloneState(s))); }
  clear(): void { this.edit((s) => { s.mask.fill(0); s.points = []; return 'all'; }); }

  acceptPrediction(): boolean {
    if (!this.pred) return false;
    const full = this.pred.fullMask();
    this.edit((s) => { s.mask.set(full); dropUnknown({ data: s.mask, width: s.width, height: s.height }, new Set(this.colors.keys())); return 'all'; });
    return true;
  }
  closePolygon(): boolean {
    if (this.polygon.length < 3) { this.polygon = []; this.requestRender(); return false; }
    const pts = this.polygon;
    this.polygon = [];
    const value = this.tool === 'eraser' ? 0 : this.classId;
    this.edit((s) => fillPolygon({ data: s.mask, width: s.width, height: s.height }, pts, value));
    return true;
  }

  requestRender(): void {
    if (!this.frame) this.frame = requestAnimationFrame(() => { this.frame = 0; this.render(); });
  }

  private render(): void {
    const ctx = this.canvas.getContext('2d')!;
    const dpr = window.devicePixelRatio || 1;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.fillStyle = '#0d1117';
    ctx.fillRect(0, 0, this.size.w, this.size.h);
    const s = this.state, v = this.view;
    if (!s || !this.img) return;
    ctx.save();
    ctx.translate(v.tx, v.ty);
    ctx.scale(v.scale, v.scale);
    // smooth when shrunk; crisp pixels when zoomed in, so what you see is what the mask holds
    ctx.imageSmoothingEnabled = v.scale < 2;
    if (this.img.complete && this.img.naturalWidth) ctx.drawImage(this.img, 0, 0, s.width, s.height);
    ctx.imageSmoothingEnabled = true;
    if (this.pred && this.overlayOn) {
      ctx.globalAlpha = this.opacity;
      ctx.drawImage(this.pred.overlayCanvas((id) => this.colors.get(id) ?? [128, 128, 128]), 0, 0, s.width, s.height);
      ctx.globalAlpha = 1;
    }
    if (this.pred && this.heatOn) ctx.drawImage(this.pred.heatCanvas(), 0, 0, s.width, s.height);
    ctx.imageSmoothingEnabled = v.scale < 1;
    if (this.mask) ctx.drawImage(this.mask.canvas, 0, 0);
    ctx.restore();
    this.drawMarks(ctx, s);
  }

  private drawMarks(ctx: CanvasRenderingContext2D, s: ImageState): void {
    for (const p of s.points) {
      const q = toScreen(this.view, p.x, p.y);
      const c = this.colors.get(p.classId) ?? [200, 200, 200];
      ctx.beginPath();
      ctx.arc(q.x, q.y, 5, 0, Math.PI * 2);
      ctx.fillStyle = `rgb(${c.join(',')})`;
      ctx.fill();
      ctx.lineWidth = 2;
      ctx.strokeStyle = '#fff';
      ctx.stroke();
    }
    if (this.polygon.length) {
      ctx.beginPath();
      this.polygon.forEach((p, i) => { const q = toScreen(this.view, p.x, p.y); if (i) ctx.lineTo(q.x, q.y); else ctx.moveTo(q.x, q.y); });
      if (this.cursor) ctx.lineTo(this.cursor.x, this.cursor.y);
      ctx.strokeStyle = '#fff';
      ctx.lineWidth = 1.5;
      ctx.setLineDash([5, 4]);
      ctx.stroke();
      ctx.setLineDash([]);
    }
    if (this.cursor && (this.tool === 'brush' || this.tool === 'eraser')) {
      // size preview: the exact disc one stamp paints
      ctx.beginPath();
      ctx.arc(this.cursor.x, this.cursor.y, Math.max(1, (this.brush / 2) * this.view.scale), 0, Math.PI * 2);
      ctx.strokeStyle = this.tool === 'eraser' ? '#ff7b72' : '#fff';
      ctx.setLineDash(this.tool === 'eraser' ? [4, 3] : []);
      ctx.lineWidth = 1.5;
      ctx.stroke();
      ctx.setLineDash([]);
    }
  }

  dispose(): void { cancelAnimationFrame(this.frame); }
}

export { union };
