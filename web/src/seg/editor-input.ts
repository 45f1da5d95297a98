// Pointer input for the segmentation canvas: brush/eraser strokes (coalesced events, so fast strokes
// are sampled at the device rate and joined by exact capsules), points, polygon vertices, wheel zoom,
// and pan with the middle/right button or Space + drag.
import type { SegEditor } from './editor.ts';
import { strokeSegment, stamp, union, type Rect } from './raster.ts';
import { paintSuperpixels, superpixelsUnder } from './superpixel-brush.ts';
import { toImage, toScreen } from './view.ts';

const NEAR = 9; // CSS px: clicking this close to a point / the first vertex hits it

export function attachInput(ed: SegEditor): () => void {
  const cv = ed.canvas;
  let mode: 'none' | 'stroke' | 'pan' = 'none';
  let last: { x: number; y: number } | null = null;
  let panFrom = { x: 0, y: 0 };
  let space = false;
  let pending: Rect | null = null;
  /** superpixels this stroke has painted already (each is filled once) */
  let done = new Set<number>();

  const local = (e: { clientX: number; clientY: number }) => {
    const r = cv.getBoundingClientRect();
    return { x: e.clientX - r.left, y: e.clientY - r.top };
  };
  const value = () => (ed.tool === 'eraser' ? 0 : ed.classId);
  const paint = (to: { x: number; y: number }) => {
    const s = ed.state!;
    const m = { data: s.mask, width: s.width, height: s.height };
    const r = ed.brush / 2,
      sp = ed.snap ? ed.superpixels : null;
    if (sp) {
      const from = last ?? to,
        ids = [...superpixelsUnder(sp, from.x, from.y, to.x, to.y, r)].filter((k) => !done.has(k));
      for (const k of ids) done.add(k);
      pending = union(pending, paintSuperpixels(m, sp, ids, value()));
    } else
      pending = union(
        pending,
        last ? strokeSegment(m, last.x, last.y, to.x, to.y, r, value()) : stamp(m, to.x, to.y, r, value()),
      );
    last = to;
  };

  const down = (e: PointerEvent) => {
    if (!ed.state) return;
    cv.focus({ preventScroll: true });
    const p = local(e);
    if (e.button === 1 || e.button === 2 || space) {
      mode = 'pan';
      panFrom = p;
      cv.setPointerCapture(e.pointerId);
      e.preventDefault();
      return;
    }
    if (e.button !== 0) return;
    const q = toImage(ed.view, p.x, p.y);
    const s = ed.state;
    if (ed.tool === 'brush' || ed.tool === 'eraser') {
      if (ed.tool === 'brush' && !ed.classId) return;
      s.history.push(s, ed.tool === 'eraser' ? 'eraser stroke' : 'brush stroke');
      mode = 'stroke';
      last = null;
      pending = null;
      done = new Set();
      paint(q);
      ed.changed(pending, 'stroke');
      pending = null;
      cv.setPointerCapture(e.pointerId);
    } else if (ed.tool === 'point') {
      const hit = s.points.findIndex((pt) => {
        const o = toScreen(ed.view, pt.x, pt.y);
        return Math.hypot(o.x - p.x, o.y - p.y) <= NEAR;
      });
      if (hit >= 0)
        ed.edit(
          (st) => {
            st.points = st.points.filter((_, i) => i !== hit);
            return null;
          },
          'done',
          'point removed',
        );
      else if (ed.classId && q.x >= 0 && q.y >= 0 && q.x <= s.width && q.y <= s.height) {
        ed.edit(
          (st) => {
            st.points = [
              ...st.points,
              { classId: ed.classId, x: Math.round(q.x * 10) / 10, y: Math.round(q.y * 10) / 10 },
            ];
            return null;
          },
          'done',
          'point',
        );
      }
    } else if (ed.tool === 'polygon') {
      const first = ed.polygon[0] && toScreen(ed.view, ed.polygon[0].x, ed.polygon[0].y);
      if (first && ed.polygon.length >= 3 && Math.hypot(first.x - p.x, first.y - p.y) <= NEAR) ed.closePolygon();
      else {
        ed.polygon.push(q);
        ed.requestRender();
      }
    } else if (ed.tool === 'region') ed.onRegion?.(q.x, q.y);
    e.preventDefault();
  };

  const move = (e: PointerEvent) => {
    const p = local(e);
    ed.cursor = p;
    if (mode === 'pan') {
      ed.pan(p.x - panFrom.x, p.y - panFrom.y);
      panFrom = p;
      return;
    }
    if (mode === 'stroke') {
      const events = e.getCoalescedEvents?.() ?? [];
      for (const ce of events.length ? events : [e]) {
        const l = local(ce);
        paint(toImage(ed.view, l.x, l.y));
      }
      ed.changed(pending, 'stroke');
      pending = null;
      return;
    }
    ed.requestRender();
  };

  const up = (e: PointerEvent) => {
    if (mode === 'stroke') ed.changed(null, 'done');
    mode = 'none';
    last = null;
    if (cv.hasPointerCapture(e.pointerId)) cv.releasePointerCapture(e.pointerId);
  };
  const leave = () => {
    ed.cursor = null;
    ed.requestRender();
  };
  const wheel = (e: WheelEvent) => {
    e.preventDefault();
    const k = e.ctrlKey ? 0.01 : 0.0015; // pinch-zoom arrives as ctrl+wheel with small deltas
    ed.zoom(Math.exp(-e.deltaY * k), local(e));
  };
  const dbl = (e: MouseEvent) => {
    if (ed.tool === 'polygon') {
      e.preventDefault();
      ed.closePolygon();
    }
  };
  const key = (e: KeyboardEvent) => {
    if (e.code === 'Space' && (e.target as HTMLElement)?.tagName !== 'INPUT') {
      space = e.type === 'keydown';
      cv.style.cursor = space ? 'grab' : '';
    }
  };
  const menu = (e: Event) => e.preventDefault();

  cv.addEventListener('pointerdown', down);
  cv.addEventListener('pointermove', move);
  cv.addEventListener('pointerup', up);
  cv.addEventListener('pointercancel', up);
  cv.addEventListener('pointerleave', leave);
  cv.addEventListener('wheel', wheel, { passive: false });
  cv.addEventListener('dblclick', dbl);
  cv.addEventListener('contextmenu', menu);
  window.addEventListener('keydown', key);
  window.addEventListener('keyup', key);
  return () => {
    cv.removeEventListener('pointerdown', down);
    cv.removeEventListener('pointermove', move);
    cv.removeEventListener('pointerup', up);
    cv.removeEventListener('pointercancel', up);
    cv.removeEventListener('pointerleave', leave);
    cv.removeEventListener('wheel', wheel);
    cv.removeEventListener('dblclick', dbl);
    cv.removeEventListener('contextmenu', menu);
    window.removeEventListener('keydown', key);
    window.removeEventListener('keyup', key);
  };
}
