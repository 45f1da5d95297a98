// @vitest-environment node
// The export's validation on the real backbone (mobilenetv2-imagenet), without a server: a confident head
// whose stored predictions were made, as the trainer makes them, from fp16-rounded features differs from
// the exported fp32 graph by more than a fixed 1e-3, and is still faithful (passed), every difference
// inside the bound derived from fp16 rounding; predictions made by another head are refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import { makeDemoImages } from '../scripts/make-demo.ts';
import { createEmbedder } from '../trainer/embed.ts';
import { exportOnnx, type ExportSample, type HeadFile } from '../trainer/export-model.ts';
import { compareMaps, headOn } from '../trainer/export-validate.ts';
import { fromHalf, toHalf } from '../trainer/fp16.ts';
import { fetchModel } from '../trainer/backbones/registry.ts';
import { tempDir } from './helpers/fixtures.ts';

const C = 4,
  classes = ['circle', 'square', 'triangle', 'star'].map((name, i) => ({ id: 10 + i, name }));
let dir: string, files: string[], X: Float32Array[], d: number, bb: HeadFile['backbone'];

beforeAll(async () => {
  dir = tempDir();
  const { items } = await makeDemoImages(join(dir, 'demo'), { count: 16, seed: 21, cue: 'shape' });
  files = items.map((i) => i.file);
  const folder = (await fetchModel('mobilenetv2-imagenet')).dir;
  const e = await createEmbedder({ backbone: folder, device: 'cpu', offline: true });
  try {
    X = [];
    await e.embedPaths(files, 'pooled', (r) => {
      if (!r.ok) throw new Error(r.error);
      X[r.index] = r.embedding.pooled;
    });
    d = e.info.pooledDim;
    bb = {
      name: e.info.backbone,
      dir: folder,
      patchSize: e.backbone.patchSize,
      registers: e.backbone.numRegisters,
      resolution: e.info.resolution,
      segShortSide: e.info.segShortSide,
    };
  } finally {
    await e.dispose();
  }
}, 240_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** a head with class directions from the pictures themselves, scaled so its logits span about ±`spread` */
function head(spread: number, seed = 0): { A: Float32Array; b: Float32Array } {
  const mean = new Float64Array(d);
  for (const x of X) for (let j = 0; j < d; j++) mean[j] += x[j] / X.length;
  const A = new Float32Array(d * C);
  for (let c = 0; c < C; c++) {
    const x = X[(c * 3 + seed) % X.length];
    for (let j = 0; j < d; j++) A[j * C + c] = x[j] - mean[j];
  }
  let top = 0;
  for (const x of X)
    for (let c = 0; c < C; c++) {
      let z = 0;
      for (let j = 0; j < d; j++) z += x[j] * A[j * C + c];
      top = Math.max(top, Math.abs(z));
    }
  for (let k = 0; k < A.length; k++) A[k] *= spread / top;
  // centre the logits so the classes compete
  const b = new Float32Array(C);
  for (let c = 0; c < C; c++) {
    let z = 0;
    for (const x of X) for (let j = 0; j < d; j++) z += x[j] * A[j * C + c];
    b[c] = -z / X.length;
  }
  return { A, b };
}
const b64 = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');

/** the trainer's stored predictions: its head on the fp16-cached features, probabilities rounded to 1e-4 */
function stored(A: Float32Array, b: Float32Array): ExportSample[] {
  return files.map((path, i) => {
    const { p } = headOn(
      Float32Array.from(X[i], (v) => fromHalf(toHalf(v))),
      A,
      b,
      C,
    );
    let top = 0;
    for (let c = 1; c < C; c++) if (p[c] > p[top]) top = c;
    return {
      imageId: i + 1,
      path,
      expected: {
        imageId: i + 1,
        classId: classes[top].id,
        probs: Object.fromEntries(classes.map((k, c) => [String(k.id), Math.round(p[c] * 1e4) / 1e4])),
        uncertainty: 0,
      },
    };
  });
}

describe('export validation on fp32 graph vs fp16-fitted head', () => {
  it('a confident head: differences beyond 1e-3, inside the fp16 bound → passed', async () => {
    const { A, b } = head(120);
    const file: HeadFile = {
      task: 'classification',
      version: 7,
      classIds: classes.map((k) => k.id),
      d,
      C,
      A: b64(A),
      b: b64(b),
      backbone: bb,
    };
    const r = await exportOnnx({ head: file, classes, out: join(dir, 'ok'), samples: stored(A, b) });
    console.log(`confident head: ${JSON.stringify(r)}`);
    expect(r.passed, r.reason).toBe(true);
    expect(r.maxAbsDiff).toBeGreaterThan(1e-3); // a fixed 1e-3 tolerance would have refused this faithful export
    expect(r.checks!.graphMaxAbsDiff).toBeLessThanOrEqual(1e-4);
    expect(r.checks!.worstDiffOverBound).toBeLessThanOrEqual(1);
    expect(r.argmaxAgreement).toBe(1);
  }, 240_000);

  it('stored predictions from another head, or from a slightly different one, are refused, with the reason', async () => {
    const { A, b } = head(120);
    const other = head(120, 1);
    const file: HeadFile = {
      task: 'classification',
      version: 8,
      classIds: classes.map((k) => k.id),
      d,
      C,
      A: b64(A),
      b: b64(b),
      backbone: bb,
    };
    const r = await exportOnnx({ head: file, classes, out: join(dir, 'bad'), samples: stored(other.A, other.b) });
    expect(r.passed).toBe(false);
    expect(r.reason).toMatch(/fp16 bound|the trainer said/);
    // a head 3 % stronger than the exported one (as a later refit would be): refused too
    const later = { A: A.map((v) => v * 1.03), b };
    const r2 = await exportOnnx({
      head: { ...file, version: 9 },
      classes,
      out: join(dir, 'later'),
      samples: stored(later.A, later.b),
    });
    console.log(`a head 3 % off: ${JSON.stringify({ passed: r2.passed, maxAbsDiff: r2.maxAbsDiff, ...r2.checks })}`);
    expect(r2.passed).toBe(false);
  }, 240_000);
});

describe('segmentation maps: the export against the stored map', () => {
  it('a patch whose foreground went to another class of the same top is an edge patch (moved), not agreement', () => {
    // 4 patches × 3 classes (background, a, b): class-major bytes; the stored map lists its classes as b, a, bg
    const n = 4,
      col = new Map([
        [1, 0],
        [2, 1],
        [3, 2],
      ]);
    const ours = Uint8Array.from([
      ...[200, 100, 100, 50], // background
      ...[55, 30, 0, 200], // a
      ...[0, 125, 155, 5], // b
    ]);
    const byClass = (bg: number[], a: number[], b: number[]) => Uint8Array.from([...b, ...a, ...bg]);
    const stored = byClass([201, 100, 40, 50], [54, 0, 0, 0], [0, 155, 215, 205]);
    const r = compareMaps(ours, stored, [3, 2, 1], col, n, 6);
    // patch 0 within a byte; patch 1 the same top (b), background and foreground mass, a's 30 moved to b; patch 2
    // 60 off on the background; patch 3 another top class
    expect(r).toEqual({ agree: 3, total: 4, moved: 1, movedMax: 30, maxAbs: 60 });
  });
});
