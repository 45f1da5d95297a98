// Drawing the segmentation canvas so that you can tell your work from the model's at a glance: the
// prediction hatched (diagonal stripes in screen space, so they stay fine at any zoom) at its own
// opacity, your mask as a light fill with a crisp outline at its own opacity, or only the pixels where
// the two disagree; then points, the polygon in progress and the brush (or superpixel) preview.
import { IMAGE_BACKGROUND_HEX } from '../../../common/image-background.ts';
import { DISAGREE_RGB } from './outline.ts';
import { superpixelsUnder } from './superpixel-brush.ts';
import type { SegEditor } from './editor.ts';
import { toImage, toScreen } from './view.ts';

const tiles = new Map<string, HTMLCanvasElement>();
/** An n×n device-pixel alpha tile (cached): `alpha(x, y)` in 0..255. */
function tile(name: string, n: number, alpha: (x: number, y: number) => number): HTMLCanvasElement {
  let t = tiles.get(name);
  if (t) return t;
  t = document.createElement('canvas');
  t.width = t.height = n;
  const c = t.getContext('2d')!,
    img = c.createImageData(n, n);
  for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) img.data[(y * n + x) * 4 + 3] = alpha(x, y);
  c.putImageData(img, 0, 0);
  tiles.set(name, t);
  return t;
}
/** diagonal stripes 3 px wide every 8 px, a fill between them strong enough to read the class at the
 *  default opacity (the stripes still tell it from your mask's flat fill) */
const hatchTile = () => tile('hatch', 8, (x, y) => ((x + y) % 8 < 3 ? 255 : 165));
const solidTile = () => tile('solid', 1, () => 255);
/** dots: the prediction's outline reads as a dotted line, yours as a solid one */
const dotTile = () => tile('dots', 4, (x, y) => ((x + y) % 4 < 2 ? 255 : 0));

/** Draw `src` (image-sized) through a screen-space alpha pattern at `alpha` onto ctx. */
function throughPattern(
  ed: SegEditor,
  ctx: CanvasRenderingContext2D,
  src: HTMLCanvasElement,
  pattern: HTMLCanvasElement,
  alpha: number,
  dpr: number,
  tint?: string,
): void {
  const s = ed.state!,
    v = ed.view,
    buf = ed.hatchBuffer(),
    b = buf.getContext('2d')!;
  b.setTransform(1, 0, 0, 1, 0, 0);
  b.globalCompositeOperation = 'source-over';
  b.clearRect(0, 0, buf.width, buf.height);
  b.setTransform(dpr * v.scale, 0, 0, dpr * v.scale, dpr * v.tx, dpr * v.ty);
  b.imageSmoothingEnabled = v.scale < 1;
  b.drawImage(src, 0, 0, s.width, s.height);
  b.setTransform(1, 0, 0, 1, 0, 0);
  b.globalCompositeOperation = 'destination-in';
  b.fillStyle = b.createPattern(pattern, 'repeat')!;
  b.fillRect(0, 0, buf.width, buf.height);
  if (tint) {
    b.globalCompositeOperation = 'source-in';
    b.fillStyle = tint;
    b.fillRect(0, 0, buf.width, buf.height);
  }
  ctx.save();
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.globalAlpha = alpha;
  ctx.drawImage(buf, 0, 0);
  ctx.restore();
}

export function renderEditor(ed: SegEditor, ctx: CanvasRenderingContext2D): void {
  const dpr = window.devicePixelRatio || 1,
    { w: cw, h: ch } = ed.size;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.fillStyle = '#0d1117';
  ctx.fillRect(0, 0, cw, ch);
  const s = ed.state,
    v = ed.view;
  if (!s || !ed.img) return;
  const toImageSpace = (c: CanvasRenderingContext2D, k = dpr) =>
    c.setTransform(k * v.scale, 0, 0, k * v.scale, k * v.tx, k * v.ty);
  toImageSpace(ctx);
  // smooth when shrunk; crisp pixels when zoomed in, so what you see is what the mask holds
  ctx.imageSmoothingEnabled = v.scale < 2;
  if (ed.img.complete && ed.img.naturalWidth) {
    // what transparent pixels are everywhere else (the refinement, the model, the thumbnails)
    ctx.fillStyle = IMAGE_BACKGROUND_HEX;
    ctx.fillRect(0, 0, s.width, s.height);
    ctx.drawImage(ed.img, 0, 0, s.width, s.height);
  }
  ctx.imageSmoothingEnabled = v.scale < 1;
  const pred = ed.pred,
    mask = ed.maskLayer;
  if (!ed.hideAll && ed.diffOnly) {
    const d = ed.diffCanvas();
    if (d) {
      ctx.globalAlpha = 0.9;
      ctx.drawImage(d, 0, 0, s.width, s.height);
    }
    // your outline in white: magenta on this view means disagreement and nothing else (a class coloured
    // near magenta must not read as one)
    if (mask) throughPattern(ed, ctx, mask.edges, solidTile(), 0.6, dpr, '#ffffff');
    ctx.globalAlpha = 1;
  } else if (!ed.hideAll) {
    if (pred && ed.overlayOn && ed.opacity > 0) {
      // in screen space, so the pattern stays fine at any zoom: hatched classes, a dotted class boundary
      throughPattern(
        ed,
        ctx,
        pred.overlayCanvas((id) => ed.colors.get(id) ?? [128, 128, 128]),
        hatchTile(),
        ed.opacity,
        dpr,
      );
      throughPattern(ed, ctx, pred.edgeCanvas(), dotTile(), Math.min(1, 0.3 + ed.opacity), dpr);
    }
    if (pred && ed.heatOn) {
      ctx.imageSmoothingEnabled = true;
      ctx.drawImage(pred.heatCanvas(), 0, 0, s.width, s.height);
      ctx.imageSmoothingEnabled = v.scale < 1;
    }
    if (mask && ed.maskOpacity > 0) {
      ctx.globalAlpha = ed.maskOpacity;
      ctx.drawImage(mask.fill, 0, 0);
      ctx.globalAlpha = Math.min(1, 0.35 + ed.maskOpacity * 2);
      ctx.drawImage(mask.edges, 0, 0);
      ctx.globalAlpha = 1;
    }
  }
  if (ed.cursor && ed.snap && ed.superpixels && (ed.tool === 'brush' || ed.tool === 'eraser'))
    drawSuperpixelPreview(ed, ctx);
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  drawMarks(ed, ctx);
}

/** The superpixels the brush would paint here, lit up (the disc alone would not say where it stops). */
function drawSuperpixelPreview(ed: SegEditor, ctx: CanvasRenderingContext2D): void {
  const sp = ed.superpixels!,
    q = toImage(ed.view, ed.cursor!.x, ed.cursor!.y);
  if (q.x < 0 || q.y < 0 || q.x >= sp.W || q.y >= sp.H) return;
  const ids = superpixelsUnder(sp, q.x, q.y, q.x, q.y, ed.brush / 2);
  const key = [...ids].sort((a, b) => a - b).join(',');
  let pre = ed.previewCache;
  if (pre?.key !== key) {
    let x0 = sp.W,
      y0 = sp.H,
      x1 = 0,
      y1 = 0;
    for (const k of ids) {
      x0 = Math.min(x0, sp.boxes[4 * k]);
      y0 = Math.min(y0, sp.boxes[4 * k + 1]);
      x1 = Math.max(x1, sp.boxes[4 * k + 2]);
      y1 = Math.max(y1, sp.boxes[4 * k + 3]);
    }
    if (x1 <= x0) return;
    const c = document.createElement('canvas');
    c.width = x1 - x0;
    c.height = y1 - y0;
    const g = c.getContext('2d')!,
      img = g.createImageData(c.width, c.height);
    const tint = ed.tool === 'eraser' ? DISAGREE_RGB : [255, 255, 255];
    for (let y = y0; y < y1; y++)
      for (let x = x0; x < x1; x++) {
        if (!ids.has(sp.labels[sp.ys[y] * sp.width + sp.xs[x]])) continue;
        const o = ((y - y0) * c.width + (x - x0)) * 4;
        img.data[o] = tint[0];
        img.data[o + 1] = tint[1];
        img.data[o + 2] = tint[2];
        img.data[o + 3] = 110;
      }
    g.putImageData(img, 0, 0);
    pre = ed.previewCache = { key, canvas: c, x: x0, y: y0 };
  }
  ctx.drawImage(pre.canvas, pre.x, pre.y);
}

function drawMarks(ed: SegEditor, ctx: CanvasRenderingContext2D): void {
  const s = ed.state!;
  if (!ed.hideAll)
    for (const p of s.points) {
      const q = toScreen(ed.view, p.x, p.y),
        c = ed.colors.get(p.classId) ?? [200, 200, 200];
      ctx.beginPath();
      ctx.arc(q.x, q.y, 5, 0, Math.PI * 2);
      ctx.fillStyle = `rgb(${c.join(',')})`;
      ctx.fill();
      ctx.lineWidth = 2;
      ctx.strokeStyle = '#fff';
      ctx.stroke();
    }
  if (ed.polygon.length) {
    ctx.beginPath();
    ed.polygon.forEach((p, i) => {
      const q = toScreen(ed.view, p.x, p.y);
      if (i) ctx.lineTo(q.x, q.y);
      else ctx.moveTo(q.x, q.y);
    });
    if (ed.cursor) ctx.lineTo(ed.cursor.x, ed.cursor.y);
    ctx.strokeStyle = '#fff';
    ctx.lineWidth = 1.5;
    ctx.setLineDash([5, 4]);
    ctx.stroke();
    ctx.setLineDash([]);
  }
  if (ed.cursor && (ed.tool === 'brush' || ed.tool === 'eraser')) {
    // size preview: the exact disc one stamp paints (with superpixels: the disc that picks them)
    ctx.beginPath();
    ctx.arc(ed.cursor.x, ed.cursor.y, Math.max(1, (ed.brush / 2) * ed.view.scale), 0, Math.PI * 2);
    ctx.strokeStyle = ed.tool === 'eraser' ? '#ff7b72' : '#fff';
    ctx.setLineDash(ed.tool === 'eraser' || ed.snap ? [4, 3] : []);
    ctx.lineWidth = 1.5;
    ctx.stroke();
    ctx.setLineDash([]);
  }
}
