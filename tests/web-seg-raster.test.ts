import { describe, expect, it } from 'vitest';
import { deflateSync, inflateSync } from 'node:zlib';
import { fillPolygon, stamp, strokePath, strokeSegment, dropUnknown, type MaskBuf } from '../web/src/seg/raster.ts';
import { toImage, zoomAt, fitView } from '../web/src/seg/view.ts';
import { History, type SegState } from '../web/src/seg/history.ts';
import { decodeIndexPng, encodeIndexPng } from '../web/src/seg/png.ts';

const mk = (w: number, h: number): MaskBuf => ({ data: new Uint8Array(w * h), width: w, height: h });
const count = (m: MaskBuf, v: number) => m.data.reduce((n, x) => n + (x === v ? 1 : 0), 0);

describe('brush rasterising', () => {
  it('a stamp is a round disc of the right area', () => {
    const m = mk(101, 101);
    stamp(m, 50.5, 50.5, 20, 3);
    expect(Math.abs(count(m, 3) - Math.PI * 400) / (Math.PI * 400)).toBeLessThan(0.02);
    expect(m.data[50 * 101 + 50]).toBe(3);
    expect(m.data[50 * 101 + 72]).toBe(0);
    // symmetric: no stair-step bias to one side
    for (let d = 0; d < 20; d++) expect(m.data[(50 - d) * 101 + 50]).toBe(m.data[(50 + d) * 101 + 50]);
  });

  it('a fast stroke at high zoom leaves no gaps (every pixel along the path is painted)', () => {
    const m = mk(200, 200);
    // pointer events 300 screen px apart at zoom 8: ~37 image px between samples
    let v = fitView(200, 200, 800, 800);
    v = zoomAt(v, 8 / v.scale, 400, 400);
    const screen = [
      [10, 10],
      [310, 120],
      [610, 400],
      [790, 790],
    ];
    const pts = screen.map(([x, y]) => toImage(v, x, y));
    strokePath(m, pts, 1.5, 2);
    for (let i = 1; i < pts.length; i++) {
      const a = pts[i - 1],
        b = pts[i];
      const n = Math.ceil(Math.hypot(b.x - a.x, b.y - a.y) * 4);
      for (let k = 0; k <= n; k++) {
        const x = Math.floor(a.x + ((b.x - a.x) * k) / n),
          y = Math.floor(a.y + ((b.y - a.y) * k) / n);
        if (x >= 0 && y >= 0 && x < 200 && y < 200) expect(m.data[y * 200 + x], `pixel ${x},${y}`).toBe(2);
      }
    }
  });

  it('a thin diagonal stroke is 8-connected with no holes', () => {
    const m = mk(64, 64);
    strokeSegment(m, 0.2, 0.3, 63.7, 40.9, 0.1, 1);
    // every column from start to end has a painted pixel, and painted pixels of neighbouring columns touch
    let prev: number[] | null = null;
    for (let x = 0; x < 64; x++) {
      const ys = [...Array(64).keys()].filter((y) => m.data[y * 64 + x] === 1);
      expect(ys.length, `column ${x}`).toBeGreaterThan(0);
      if (prev)
        expect(Math.min(...ys.map((y) => Math.min(...prev!.map((p) => Math.abs(p - y)))))).toBeLessThanOrEqual(1);
      prev = ys;
    }
  });

  it('the eraser clears what the brush painted, and only within its radius', () => {
    const m = mk(50, 50);
    strokeSegment(m, 5, 25, 45, 25, 6, 4);
    const painted = count(m, 4);
    expect(painted).toBeGreaterThan(400);
    strokeSegment(m, 5, 25, 45, 25, 6, 0);
    expect(count(m, 4)).toBe(0);
    strokeSegment(m, 5, 25, 45, 25, 6, 4);
    stamp(m, 25, 25, 3, 0);
    expect(count(m, 4)).toBeGreaterThan(painted - 40);
    expect(m.data[25 * 50 + 25]).toBe(0);
  });

  it('returns the dirty rectangle and clips at the image border', () => {
    const m = mk(10, 10);
    const r = stamp(m, 0, 0, 3, 1)!;
    expect(r).toEqual({ x0: 0, y0: 0, x1: 4, y1: 4 });
    expect(stamp(m, -50, -50, 3, 1)).toBeNull();
  });

  it('fills a polygon (pixel centres inside)', () => {
    const m = mk(20, 20);
    fillPolygon(
      m,
      [
        { x: 2, y: 2 },
        { x: 12, y: 2 },
        { x: 12, y: 12 },
        { x: 2, y: 12 },
      ],
      5,
    );
    expect(count(m, 5)).toBe(100);
    const t = mk(20, 20);
    fillPolygon(
      t,
      [
        { x: 0, y: 0 },
        { x: 20, y: 0 },
        { x: 0, y: 20 },
      ],
      1,
    );
    expect(Math.abs(count(t, 1) - 200)).toBeLessThan(12);
  });

  it('drops pixels of deleted classes', () => {
    const m = mk(4, 1);
    m.data.set([0, 1, 2, 3]);
    expect(dropUnknown(m, new Set([1, 3]))).toBe(1);
    expect([...m.data]).toEqual([0, 1, 0, 3]);
  });
});

describe('undo/redo history', () => {
  it('undoes and redoes snapshots; a new edit clears redo', () => {
    const h = new History(3);
    let cur: SegState = { mask: new Uint8Array([0]), points: [] };
    for (const v of [1, 2, 3]) {
      h.push(cur);
      cur = { mask: new Uint8Array([v]), points: [] };
    }
    cur = h.undo(cur)!;
    expect(cur.mask[0]).toBe(2);
    cur = h.undo(cur)!;
    expect(cur.mask[0]).toBe(1);
    cur = h.redo(cur)!;
    expect(cur.mask[0]).toBe(2);
    h.push(cur);
    cur = { mask: new Uint8Array([9]), points: [] };
    expect(h.redo(cur)).toBeNull();
    expect(h.undo(cur)!.mask[0]).toBe(2);
  });
});

describe('class-index PNG', () => {
  const deflate = async (d: Uint8Array) => new Uint8Array(deflateSync(d));
  const inflate = async (d: Uint8Array) => new Uint8Array(inflateSync(d));
  it('round-trips a mask byte for byte', async () => {
    const data = new Uint8Array(37 * 23).map((_, i) => (i * 7) % 5);
    const png = await encodeIndexPng(data, 37, 23, deflate);
    const back = await decodeIndexPng(png, inflate);
    expect(back.width).toBe(37);
    expect(back.height).toBe(23);
    expect(Buffer.from(back.data).equals(Buffer.from(data))).toBe(true);
  });
});

import { rleDecode, rleEncode } from '../web/src/seg/rle.ts';
describe('draft run-length coding', () => {
  it('round-trips', () => {
    const m = mk(30, 30);
    stamp(m, 15, 15, 6, 3);
    const runs = rleEncode(m.data);
    expect(runs.length).toBeLessThan(60);
    expect(Buffer.from(rleDecode(runs, 900)).equals(Buffer.from(m.data))).toBe(true);
  });
});
