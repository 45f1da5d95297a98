import { describe, expect, it } from 'vitest';
import {
  argmaxMask,
  colorize,
  decodeBase64,
  encodeBase64,
  heatmap,
  hexToRgb,
  maskRgba,
  over,
  overlaySize,
  upsampleArgmax,
} from '../web/src/seg/overlay-math.ts';

describe('overlay compositing', () => {
  it('parses colours', () => {
    expect(hexToRgb('#ff8000')).toEqual([255, 128, 0]);
    expect(hexToRgb('#0f0')).toEqual([0, 255, 0]);
    expect(hexToRgb('nope')).toEqual([128, 128, 128]);
  });

  it('upsamples bilinearly with half-pixel centres', () => {
    // one class, 2×1 map [0, 255] → 4×1: samples at -0.25, 0.25, 0.75, 1.25 of the source
    const u = upsampleArgmax(new Uint8Array([0, 255]), 1, 1, 2, 4, 1);
    expect([...u.conf]).toEqual([0, 64, 191, 255]);
  });

  it('keeps the arg-max class and the margin between the top two', () => {
    // 2 classes on a 2×2 map: class 0 left, class 1 right
    const map = new Uint8Array([200, 50, 200, 50, /* class 1 */ 55, 205, 55, 205]);
    const u = upsampleArgmax(map, 2, 2, 2, 8, 8);
    expect(u.idx[0]).toBe(0);
    expect(u.idx[7]).toBe(1);
    expect(u.margin[0]).toBe(145);
    // in the middle the two are close: low margin = uncertain
    expect(u.margin[3]).toBeLessThan(60);
    expect([...argmaxMask(u, [4, 9]).slice(0, 8)]).toEqual([4, 4, 4, 4, 9, 9, 9, 9]);
  });

  it('colours by class colour with the opacity as alpha, and composites source-over', () => {
    const u = upsampleArgmax(new Uint8Array([255, 0, 0, 255]), 2, 1, 1, 1, 1);
    const rgba = colorize(
      u,
      [
        [255, 0, 0],
        [0, 0, 255],
      ],
      0.5,
    );
    expect([...rgba]).toEqual([255, 0, 0, 128]);
    expect(over([0, 0, 0], [255, 0, 0, 128])).toEqual([128, 0, 0]);
    expect(over([100, 100, 100], [255, 0, 0, 0])).toEqual([100, 100, 100]);
    expect(over([100, 100, 100], [255, 0, 0, 255])).toEqual([255, 0, 0]);
  });

  it('heat-map is clear where the model is sure and opaque where it hesitates', () => {
    const u = {
      width: 2,
      height: 1,
      idx: new Uint8Array(2),
      conf: new Uint8Array(2),
      margin: new Uint8Array([255, 0]),
    };
    const h = heatmap(u);
    expect(h[3]).toBe(0);
    expect(h[7]).toBeGreaterThan(200);
  });

  it('colours a painted mask and leaves unlabelled pixels transparent', () => {
    const out = new Uint8ClampedArray(8);
    maskRgba(new Uint8Array([0, 3]), new Map([[3, [1, 2, 3]]]), 1, out);
    expect([...out]).toEqual([0, 0, 0, 0, 1, 2, 3, 255]);
  });

  it('caps the overlay size and round-trips base64', () => {
    expect(overlaySize(4000, 2000)).toEqual({ width: 1024, height: 512 });
    expect(overlaySize(300, 200)).toEqual({ width: 300, height: 200 });
    const b = new Uint8Array([0, 1, 254, 255, 128]);
    expect([...decodeBase64(encodeBase64(b))]).toEqual([...b]);
  });
});
