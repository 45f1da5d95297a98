// "Recolour this predicted region": the connected region under a pixel, and the map's class shares.
import { describe, expect, it } from 'vitest';
import { mapSummary, regionAt } from '../web/src/seg/region.ts';
import { History } from '../web/src/seg/history.ts';

describe('regionAt', () => {
  // 5×3: two separate 2-regions, joined only diagonally (not 4-connected)
  const W = 5,
    H = 3;
  const m = new Uint8Array([2, 2, 0, 0, 0, 2, 0, 2, 2, 0, 0, 0, 2, 2, 0]);
  it('takes the 4-connected pixels of the same value', () => {
    expect([...regionAt(m, W, H, 0, 0)].sort((a, b) => a - b)).toEqual([0, 1, 5]);
    expect([...regionAt(m, W, H, 3.7, 2.2)].sort((a, b) => a - b)).toEqual([7, 8, 12, 13]);
    expect([...regionAt(m, W, H, 4, 0)].sort((a, b) => a - b)).toEqual([2, 3, 4, 9, 14]);
  });
  it('is empty outside the map', () => {
    expect(regionAt(m, W, H, -1, 0).length).toBe(0);
    expect(regionAt(m, W, H, 5, 0).length).toBe(0);
  });
});

describe('mapSummary and undo labels', () => {
  it('gives each class its share and the mean top-1 confidence', () => {
    const r = mapSummary(new Uint8Array([0, 1, 1, 1]), new Uint8Array([255, 255, 0, 0]), 3);
    expect(r.shares).toEqual([0.25, 0.75, 0]);
    expect(r.meanConfidence).toBeCloseTo(0.5);
  });
  it('says what an undo or a redo took back', () => {
    const h = new History(5),
      s = { mask: new Uint8Array(2), points: [] };
    h.push(s, 'brush stroke');
    h.push(s, 'region recolour');
    h.undo(s);
    expect(h.last).toBe('region recolour');
    h.undo(s);
    expect(h.last).toBe('brush stroke');
    h.redo(s);
    expect(h.last).toBe('brush stroke');
  });
});
