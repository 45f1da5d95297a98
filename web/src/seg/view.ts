// The canvas view transform: screen = image * scale + (tx, ty). Pure math for zoom at a point, pan, fit.

export interface View {
  scale: number;
  tx: number;
  ty: number;
}

export const MIN_SCALE = 0.05;
export const MAX_SCALE = 64;

/** Centre the image in the canvas, as large as fits with a margin. */
export function fitView(W: number, H: number, cw: number, ch: number, margin = 16): View {
  const scale = Math.max(MIN_SCALE, Math.min((cw - 2 * margin) / W, (ch - 2 * margin) / H));
  return { scale, tx: (cw - W * scale) / 2, ty: (ch - H * scale) / 2 };
}

export function toImage(v: View, sx: number, sy: number): { x: number; y: number } {
  return { x: (sx - v.tx) / v.scale, y: (sy - v.ty) / v.scale };
}

export function toScreen(v: View, x: number, y: number): { x: number; y: number } {
  return { x: x * v.scale + v.tx, y: y * v.scale + v.ty };
}

/** Zoom by `factor` keeping the image point under (sx, sy) fixed. */
export function zoomAt(v: View, factor: number, sx: number, sy: number): View {
  const scale = Math.max(MIN_SCALE, Math.min(MAX_SCALE, v.scale * factor));
  const k = scale / v.scale;
  return { scale, tx: sx - (sx - v.tx) * k, ty: sy - (sy - v.ty) * k };
}

export function panBy(v: View, dx: number, dy: number): View {
  return { ...v, tx: v.tx + dx, ty: v.ty + dy };
}
