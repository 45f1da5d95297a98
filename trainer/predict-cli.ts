// `hilt predict --model DIR [--out FILE] [--masks DIR] PATH…`: runs a model made by `hilt export --format
// onnx` on images and folders (recursive). One JSON line per image: {"file","class","confidence"} (and for
// segmentation the class-id PNG mask it wrote, at the image's own size); an image it cannot read gives
// {"file","error"} and the run goes on. CSV instead when --out ends in .csv.
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { loadExported, runExported, type ExportedModel } from './export-model.ts';

const IMAGE = /\.(jpe?g|png|webp|tiff?|bmp|gif|avif)$/i;

export interface PredictOptions { model: string; paths: string[]; out?: string; masks?: string; write?: (line: string) => void }
export type PredictRow = { file: string; class: string; classId: number; confidence: number; mask?: string } | { file: string; error: string };

function* walk(p: string): Generator<string> {
  let st: fs.Stats;
  try { st = fs.statSync(p); } catch { yield p; return; } // reported as an error row
  if (!st.isDirectory()) { yield p; return; }
  for (const e of fs.readdirSync(p, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const q = path.join(p, e.name);
    if (e.isDirectory()) yield* walk(q);
    else if (IMAGE.test(e.name)) yield q;
  }
}

/** Class probabilities per patch [C, h, w] → class id per pixel of a W×H image (bilinear in probability). */
function upsampleArgmax(probs: Float32Array, C: number, h: number, w: number, W: number, H: number, ids: number[]): Buffer {
  const out = Buffer.alloc(W * H);
  const n = h * w;
  for (let y = 0; y < H; y++) {
    const fy = Math.min(h - 1, Math.max(0, ((y + 0.5) * h) / H - 0.5)), y0 = Math.floor(fy), y1 = Math.min(h - 1, y0 + 1), ty = fy - y0;
    for (let x = 0; x < W; x++) {
      const fx = Math.min(w - 1, Math.max(0, ((x + 0.5) * w) / W - 0.5)), x0 = Math.floor(fx), x1 = Math.min(w - 1, x0 + 1), tx = fx - x0;
      let best = 0, bv = -1;
      for (let c = 0; c < C; c++) {
        const o = c * n;
        const v = (1 - ty) * ((1 - tx) * probs[o + y0 * w + x0] + tx * probs[o + y0 * w + x1]) + ty * ((1 - tx) * probs[o + y1 * w + x0] + tx * probs[o + y1 * w + x1]);
        if (v > bv) { bv = v; best = c; }
      }
      out[y * W + x] = ids[best];
    }
  }
  return out;
}

async function predictOne(m: ExportedModel, file: string, masks: string | undefined): Promise<PredictRow> {
  try {
    const buf = fs.readFileSync(file);
    const r = await runExported(m, buf);
    const C = m.labels.length;
    if (m.task === 'classification') {
      let b = 0;
      for (let c = 1; c < C; c++) if (r.probs[c] > r.probs[b]) b = c;
      return { file, class: m.labels[b].name, classId: m.labels[b].id, confidence: +r.probs[b].toFixed(4) };
    }
    const meta = await sharp(buf, { autoOrient: true }).metadata();
    const W = meta.autoOrient?.width ?? meta.width, H = meta.autoOrient?.height ?? meta.height;
    const mask = upsampleArgmax(r.probs, C, r.h, r.w, W, H, m.labels.map((l) => l.id));
    const count = new Map<number, number>();
    for (const v of mask) count.set(v, (count.get(v) ?? 0) + 1);
    const [topId, topN] = [...count].sort((a, b) => b[1] - a[1])[0];
    const row: PredictRow = { file, class: m.labels.find((l) => l.id === topId)!.name, classId: topId, confidence: +(topN / mask.length).toFixed(4) };
    if (masks) {
      fs.mkdirSync(masks, { recursive: true });
      row.mask = path.join(masks, `${path.basename(file).replace(/\.[^.]+$/, '')}.png`);
      await sharp(mask, { raw: { width: W, height: H, channels: 1 } }).png().toFile(row.mask);
    }
    return row;
  } catch (e) {
    return { file, error: (e as Error).message.split('\n')[0] };
  }
}

const csv = (v: unknown) => (/[",\n]/.test(String(v)) ? `"${String(v).replace(/"/g, '""')}"` : String(v));

export async function predictCli(o: PredictOptions): Promise<{ ok: number; failed: number }> {
  const m = await loadExported(o.model);
  const asCsv = !!o.out && o.out.toLowerCase().endsWith('.csv');
  const lines: string[] = [];
  const emit = o.write ?? ((l: string) => (o.out ? lines.push(l) : process.stdout.write(l + '\n')));
  if (asCsv) emit('file,class,class_id,confidence,mask,error');
  let ok = 0, failed = 0;
  try {
    for (const p of o.paths) for (const file of walk(p)) {
      const r = await predictOne(m, file, o.masks ?? (m.task === 'segmentation' ? path.join(o.out ? path.dirname(o.out) : '.', 'masks') : undefined));
      if ('error' in r) failed++; else ok++;
      emit(asCsv ? ['file', 'class', 'classId', 'confidence', 'mask', 'error'].map((k) => csv((r as Record<string, unknown>)[k] ?? '')).join(',') : JSON.stringify(r));
    }
  } finally { await m.session.release(); }
  if (o.out) fs.writeFileSync(o.out, lines.join('\n') + '\n');
  return { ok, failed };
}
