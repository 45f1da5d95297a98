// `hilt predict --model DIR [--out FILE] [--masks DIR] PATH…`: runs a model made by `hilt export --format
// onnx` on images and folders (recursive). One JSON line per image: {"file","class","confidence"} (and for
// segmentation the class-id PNG mask it wrote, at the image's own size); an image it cannot read gives
// {"file","error"} and the run goes on. CSV instead when --out ends in .csv.
import fs from 'node:fs';
import path from 'node:path';
import { exportedRegions, loadExported, releaseExported, runExported, type ExportedModel } from './export-model.ts';
import { TASKS } from './tasks/index.ts';
import type { PredictRow } from './tasks/exported.ts';

const IMAGE = /\.(jpe?g|png|webp|tiff?|bmp|gif|avif)$/i;

export interface PredictOptions {
  model: string;
  paths: string[];
  out?: string;
  masks?: string;
  write?: (line: string) => void;
}
export type { PredictRow } from './tasks/exported.ts';

function* walk(p: string): Generator<string> {
  let st: fs.Stats;
  try {
    st = fs.statSync(p);
  } catch {
    yield p;
    return;
  } // reported as an error row
  if (!st.isDirectory()) {
    yield p;
    return;
  }
  for (const e of fs.readdirSync(p, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const q = path.join(p, e.name);
    if (e.isDirectory()) yield* walk(q);
    else if (IMAGE.test(e.name)) yield q;
  }
}

async function predictOne(m: ExportedModel, file: string, masks: string | undefined): Promise<PredictRow> {
  try {
    const buf = fs.readFileSync(file);
    const r = await runExported(m, buf);
    return await TASKS[m.task].exported.row({
      file,
      buf,
      out: r,
      labels: m.labels,
      masks,
      regions: exportedRegions(m),
    });
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
  let ok = 0,
    failed = 0;
  try {
    for (const p of o.paths)
      for (const file of walk(p)) {
        const r = await predictOne(
          m,
          file,
          o.masks ??
            (TASKS[m.task].exported.writesMasks ? path.join(o.out ? path.dirname(o.out) : '.', 'masks') : undefined),
        );
        if ('error' in r) failed++;
        else ok++;
        emit(
          asCsv
            ? ['file', 'class', 'classId', 'confidence', 'mask', 'error']
                .map((k) => csv((r as Record<string, unknown>)[k] ?? ''))
                .join(',')
            : JSON.stringify(r),
        );
      }
  } finally {
    await releaseExported(m);
  }
  if (o.out) fs.writeFileSync(o.out, lines.join('\n') + '\n');
  return { ok, failed };
}
