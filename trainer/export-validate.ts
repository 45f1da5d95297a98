// Is an exported classification model faithful? The trainer fitted and ran its head on features cached as
// fp16; the exported graph feeds the head the backbone's fp32 features. So each sample image is checked
// three ways:
//  1. graph: the exported model's probabilities against the head (head.json's A, b) applied in float64 to
//     the same backbone's fp32 features, computed by the trainer's own embedder here: they must agree to
//     float32 arithmetic (GRAPH_TOL).
//  2. stored: against the trainer's stored prediction of that model version, within a bound derived per
//     image from fp16 rounding: each cached feature x is off by u = |x|·2⁻¹¹ at most (or |x| below fp16's
//     smallest normal, which the cache flushes to zero), roughly uniformly and independently, so logit c is
//     off by δ_c ≤ SIGMAS standard deviations, sqrt(Σ_j (A_jc·u_j)² / 3), and never more than Σ_j |A_jc|·u_j;
//     with every logit within ±δ, probability p can move at most to p·e^{±2δ} / (p·e^{±2δ} + 1 − p) (its own
//     logit one way, all others the other). Plus the stored rounding (5e-5) and GRAPH_TOL.
//  3. argmax: the exported top class equals the stored one, except on a near tie (the top two closer than
//     twice the bound).
// Faithful when every image passes all three.
import type { ExportedModel, ExportSample, HeadFile, ValidationReport } from './export-runtime.ts';
import sharp from 'sharp';
import { readFile } from 'node:fs/promises';
import { exportedRegions, loadExported, releaseExported, runExported, runRegions } from './export-runtime.ts';
import { namedPatchMap } from './tasks/segmentation-export.ts';
import { TASKS } from './tasks/index.ts';
import { createEmbedder } from './embed.ts';
import { fromHalf, toHalf } from './fp16.ts';

/** standard deviations of the summed fp16 rounding errors a logit may be off by (a sum of ~1000 independent
 *  roundings: 6σ is out of reach by chance) */
export const SIGMAS = 6;
/** float32 arithmetic in the graph vs float64 here, on the same features */
export const GRAPH_TOL = 1e-4;
/** stored probabilities are rounded to 1e-4 */
export const STORED_ROUNDING = 5e-5;
const HALF_MIN_NORMAL = 2 ** -14,
  HALF_REL = 2 ** -11;

/** how far a probability p can move when every logit moves by at most ±delta */
export function probShift(p: number, delta: number): number {
  const to = (t: number) => (p * Math.exp(t)) / (p * Math.exp(t) + 1 - p);
  return Math.max(to(2 * delta) - p, p - to(-2 * delta));
}

const f32 = (b64: string) => {
  const b = Buffer.from(b64, 'base64');
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
};

/** softmax(x·A + b) in float64, and the bound δ on any logit's error from rounding x to fp16 */
export function headOn(
  x: ArrayLike<number>,
  A: Float32Array,
  b: Float32Array,
  C: number,
): { p: Float64Array; delta: number } {
  const d = x.length,
    z = Float64Array.from(b),
    worst = new Float64Array(C),
    vari = new Float64Array(C);
  for (let j = 0; j < d; j++) {
    const v = x[j],
      u = Math.abs(v) < HALF_MIN_NORMAL ? Math.abs(v) : Math.abs(v) * HALF_REL;
    for (let c = 0; c < C; c++) {
      const a = A[j * C + c];
      z[c] += v * a;
      worst[c] += Math.abs(a) * u;
      vari[c] += (a * u) ** 2 / 3;
    }
  }
  const err = Array.from(worst, (w, c) => Math.min(w, SIGMAS * Math.sqrt(vari[c])));
  const m = Math.max(...z);
  let s = 0;
  for (let c = 0; c < C; c++) {
    z[c] = Math.exp(z[c] - m);
    s += z[c];
  }
  for (let c = 0; c < C; c++) z[c] /= s;
  return { p: z, delta: Math.max(...err) };
}

export async function validateClassification(
  m: ExportedModel,
  samples: ExportSample[],
  head: HeadFile,
  backboneDir: string,
): Promise<ValidationReport> {
  const A = f32(head.A),
    b = f32(head.b),
    C = head.C;
  const embedder = await createEmbedder({
    backbone: backboneDir,
    device: 'cpu',
    offline: true,
    resolution: head.backbone.resolution,
  });
  let maxAbs = 0,
    maxBound = 0,
    worst = 0,
    graphMax = 0,
    agree = 0,
    ties = 0,
    maxDelta = 0,
    fp16Effect = 0;
  const failures: string[] = [];
  try {
    for (const s of samples) {
      const e = s.expected;
      if (!('probs' in e)) throw new Error(`image ${s.imageId}: the stored prediction is not a classification`);
      const r = (await runExported(m, s.path)).probs;
      const [emb] = await embedder.embedBatch([await embedder.prepare(s.path, 'pooled')], 'pooled');
      const x32 = emb.pooled;
      if (x32.length !== head.d)
        throw new Error(`image ${s.imageId}: the backbone gives ${x32.length} features, the head reads ${head.d}`);
      const { p, delta } = headOn(x32, A, b, C);
      const p16 = headOn(
        Float32Array.from(x32, (v) => fromHalf(toHalf(v))),
        A,
        b,
        C,
      ).p;
      maxDelta = Math.max(maxDelta, delta);
      let top = 0,
        second = -1,
        bound = 0;
      for (let c = 0; c < C; c++) {
        const want = e.probs[String(head.classIds[c])] ?? 0;
        const g = Math.abs(r[c] - p[c]),
          diff = Math.abs(r[c] - want),
          allowed = probShift(p[c], delta) + STORED_ROUNDING + GRAPH_TOL;
        graphMax = Math.max(graphMax, g);
        maxAbs = Math.max(maxAbs, diff);
        maxBound = Math.max(maxBound, allowed);
        bound = Math.max(bound, allowed);
        fp16Effect = Math.max(fp16Effect, Math.abs(p16[c] - p[c]));
        worst = Math.max(worst, diff / allowed);
        if (g > GRAPH_TOL)
          failures.push(
            `image ${s.imageId}: the graph gives p=${r[c].toFixed(6)} for class ${head.classIds[c]}, the head on its features ${p[c].toFixed(6)}`,
          );
        if (diff > allowed)
          failures.push(
            `image ${s.imageId}: p=${r[c].toFixed(6)} for class ${head.classIds[c]}, the trainer stored ${want}, more than the fp16 bound ${allowed.toExponential(2)} apart`,
          );
        if (r[c] > r[top]) top = c;
      }
      for (let c = 0; c < C; c++) if (c !== top && (second < 0 || p[c] > p[second])) second = c;
      if (head.classIds[top] === e.classId) agree++;
      else if (second >= 0 && p[top] - p[second] <= 2 * bound) ties++;
      else
        failures.push(`image ${s.imageId}: the export says class ${head.classIds[top]}, the trainer said ${e.classId}`);
    }
  } finally {
    await embedder.dispose();
  }
  const n = samples.length;
  return {
    modelVersion: head.version,
    task: head.task,
    samples: n,
    passed: failures.length === 0,
    tolerance: {
      graph: GRAPH_TOL,
      storedRounding: STORED_ROUNDING,
      fp16: `per image and class: how far p moves when every logit moves by ±δ, δ = ${SIGMAS}σ of the summed fp16 roundings (at most their sum)`,
      maxAllowed: +maxBound.toPrecision(4),
    },
    maxAbsDiff: +maxAbs.toPrecision(4),
    argmaxAgreement: +(agree / n).toFixed(4),
    checks: {
      graphMaxAbsDiff: +graphMax.toPrecision(4),
      worstDiffOverBound: +worst.toPrecision(4),
      maxLogitBound: +maxDelta.toPrecision(4),
      fp16EffectMeasured: +fp16Effect.toPrecision(4),
      nearTies: ties,
    },
    ...(failures.length
      ? { reason: `${failures.length} check(s) failed, e.g. ${failures.slice(0, 3).join('; ')}` }
      : {}),
  };
}

/** share of an image's patches whose foreground may be named differently (see compareMaps) */
export const MOVED_SHARE = 0.02;

/** A map [C, n] of the export (bytes, column c = head class c) against a stored one (bytes, row k = class
 *  `classIds[k]`): patches whose top classes agree, and the largest byte difference among those (a region the
 *  two named differently differs wholly: it counts against the agreement, not the byte tolerance). A patch
 *  whose top class, background channel and whole foreground mass agree but whose foreground mass sits in other
 *  classes beyond `tol` is `moved`: a patch on a region's edge, given to another region (the one covering at
 *  least half of it) because the refinement ran on maps a byte apart (fp32 features here, fp16 in the trainer's
 *  cache). */
export function compareMaps(
  ours: Uint8Array,
  stored: Uint8Array,
  classIds: number[],
  col: Map<number, number>,
  n: number,
  tol: number,
): { maxAbs: number; agree: number; total: number; moved: number; movedMax: number } {
  let maxAbs = 0,
    agree = 0,
    moved = 0,
    movedMax = 0;
  for (let q = 0; q < n; q++) {
    let bo = -1,
      bs = -1,
      diff = 0,
      bgDiff = 0,
      fgOurs = 0,
      fgStored = 0;
    for (let k = 0; k < classIds.length; k++) {
      const c = col.get(classIds[k]);
      if (c === undefined) continue;
      const o = ours[c * n + q],
        t = stored[k * n + q];
      diff = Math.max(diff, Math.abs(o - t));
      if (c === 0) bgDiff = Math.abs(o - t);
      else {
        fgOurs += o;
        fgStored += t;
      }
      if (bo < 0 || o > ours[col.get(classIds[bo])! * n + q]) bo = k;
      if (bs < 0 || t > stored[bs * n + q]) bs = k;
    }
    if (bo !== bs) continue;
    agree++;
    if (diff > tol && bgDiff <= tol && Math.abs(fgOurs - fgStored) <= 2 * tol) {
      moved++;
      movedMax = Math.max(movedMax, diff);
    } else maxAbs = Math.max(maxAbs, diff);
  }
  return { maxAbs, agree, total: n, moved, movedMax };
}

/** The export in `dir` against the trainer's stored predictions (`backboneDir`: the backbone it was built from). */
export async function validate(
  dir: string,
  samples: ExportSample[],
  head: HeadFile,
  backboneDir: string,
): Promise<ValidationReport> {
  const exported = TASKS[head.task].exported,
    tol = exported.tolerance ?? {};
  const base = { modelVersion: head.version, task: head.task, tolerance: tol, samples: samples.length };
  if (!samples.length) {
    return {
      ...base,
      passed: false,
      maxAbsDiff: NaN,
      argmaxAgreement: NaN,
      reason: `no stored predictions of model v${head.version} to compare with: let the trainer finish predicting, then export again`,
    };
  }
  const m = await loadExported(dir);
  if (head.task === 'classification') {
    try {
      return await validateClassification(m, samples, head, backboneDir);
    } finally {
      await releaseExported(m);
    }
  }
  const col = new Map(head.classIds.map((id, i) => [id, i]));
  let regionsGraph: number | undefined;
  try {
    if (head.regions) regionsGraph = await regionsGraphDiff(m, samples, head.regions, backboneDir, head);
  } catch (e) {
    await releaseExported(m);
    throw e;
  }
  let maxAbs = 0,
    agree = 0,
    total = 0,
    moved = 0,
    namedImages = 0;
  const regions = exportedRegions(m),
    byteTol = (tol as { maxAbsByte?: number }).maxAbsByte ?? 0;
  try {
    for (const s of samples) {
      const e = s.expected;
      if ('probs' in e) {
        const r = await runExported(m, s.path);
        let best = 0;
        for (let c = 0; c < head.C; c++) {
          maxAbs = Math.max(maxAbs, Math.abs(r.probs[c] - (e.probs[String(head.classIds[c])] ?? 0)));
          if (r.probs[c] > r.probs[best]) best = c;
        }
        agree += head.classIds[best] === e.classId ? 1 : 0;
        total++;
        continue;
      }
      const buf = await readFile(s.path);
      const r = await runExported(m, buf);
      if (r.h !== e.height || r.w !== e.width)
        throw new Error(`image ${s.imageId}: grid ${r.w}×${r.h} but the trainer's was ${e.width}×${e.height}`);
      // the stored map is the trainer's patch map or, once its second pass is back, that map with its regions
      // named by the crop head: compared with the export's patch map and with it named by regions.onnx as
      // `hilt predict` names it, whichever the stored one is
      const { map: patches, named } = await namedPatchMap(buf, r, head.C, regions);
      const stored = Buffer.from(e.map, 'base64');
      const n = r.h * r.w;
      const plain = compareMaps(patches, stored, e.classIds, col, n, byteTol);
      const byName = named ? compareMaps(named, stored, e.classIds, col, n, byteTol) : null;
      const score = (c: typeof plain) => [c.agree, -(c.moved + (c.maxAbs > byteTol ? n : 0))];
      const better = (a: typeof plain, b: typeof plain) => {
        const [x, y] = [score(a), score(b)];
        return x[0] > y[0] || (x[0] === y[0] && (x[1] > y[1] || (x[1] === y[1] && a.maxAbs < b.maxAbs)));
      };
      const best = byName && better(byName, plain) ? byName : plain;
      if (best === byName) namedImages++;
      // a few edge patches named otherwise pass; more count in full
      if (best.moved > Math.max(1, MOVED_SHARE * n)) maxAbs = Math.max(maxAbs, best.movedMax);
      moved += best.moved;
      maxAbs = Math.max(maxAbs, best.maxAbs);
      agree += best.agree;
      total += best.total;
    }
  } finally {
    await releaseExported(m);
  }
  const agreement = agree / total;
  const regionsOk = regionsGraph === undefined || regionsGraph <= GRAPH_TOL;
  const passed = !!exported.passed?.(maxAbs, agreement) && regionsOk;
  const checks = {
    ...(regions ? { regionNamedImages: namedImages, edgePatchesNamedOtherwise: moved } : {}),
    ...(regionsGraph !== undefined ? { regionsGraphMaxAbs: +regionsGraph.toPrecision(3) } : {}),
  };
  return {
    ...base,
    passed,
    maxAbsDiff: +maxAbs.toPrecision(4),
    argmaxAgreement: +agreement.toFixed(4),
    ...(Object.keys(checks).length ? { checks } : {}),
    ...(regionsOk
      ? {}
      : { reason: `the region model is off the crop head by ${regionsGraph} (more than ${GRAPH_TOL})` }),
  };
}

/** How far the region model's probabilities are from the crop head (head.json's regions A, b) applied in
 *  float64 to the backbone's pooled features of the same crops (the centre square of a few sample images). */
async function regionsGraphDiff(
  m: ExportedModel,
  samples: ExportSample[],
  r: NonNullable<HeadFile['regions']>,
  backboneDir: string,
  head: HeadFile,
): Promise<number> {
  const A = f32(r.A),
    b = f32(r.b),
    side = r.crop.side;
  const embedder = await createEmbedder({
    backbone: backboneDir,
    device: 'cpu',
    offline: true,
    resolution: head.backbone.resolution,
  });
  let worst = 0;
  try {
    for (const s of samples.slice(0, 4)) {
      const crop = new Uint8Array(
        await sharp(s.path, { autoOrient: true }).resize(side, side, { fit: 'cover' }).removeAlpha().raw().toBuffer(),
      );
      const [ours] = await runRegions(m, [crop], side);
      const [emb] = await embedder.embedBatch([embedder.prepareCrop(crop, side)], 'pooled');
      if (emb.pooled.length !== r.d)
        throw new Error(`the backbone gives ${emb.pooled.length} pooled features, the region head reads ${r.d}`);
      const { p } = headOn(emb.pooled, A, b, r.C);
      for (let c = 0; c < r.C; c++) worst = Math.max(worst, Math.abs(ours[c] - p[c]));
    }
  } finally {
    await embedder.dispose();
  }
  return worst;
}
