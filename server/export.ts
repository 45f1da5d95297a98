// Exports a session: CSV and JSONL (every image, classification-first), COCO with compressed RLE (one
// annotation per class per image, iscrowd 1) and class-index PNG masks (a folder, or a tar for HTTP).
//   csv   header `id,path,label,skipped`: label = class name or empty; skipped = 1 for a skip, else 0;
//         unlabelled images have an empty label and skipped 0. Importable again as a `path,label` CSV.
//         A cell a spreadsheet would run as a formula gets a single quote in front (csv.ts).
//   jsonl one object per image: {id, path, width, height, sha256, annotation|null, prediction|null}.
//   coco  file_name = the absolute path, category id = class id = mask pixel value.
//   masks <id>.png (8-bit grey, pixel = class id, 0 = unlabelled) + classes.json ({unlabelled:0, classes});
//         without `out`, a ustar archive of masks/<id>.png + masks/classes.json (the HTTP download).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { asc, isNotNull } from 'drizzle-orm';
import { annotations, classes, images, predictions } from './db/schema.ts';
import type { AnnotationRow, ClassRow } from './db/schema.ts';
import { AppError } from './errors.ts';
import { classMaskToRles, decodeClassMask, rleToString } from './masks.ts';
import type { Session } from './session.ts';
import { EXPORT_FORMATS, type ExportFormat } from './export-formats.ts';
import { csvCell } from './csv.ts';
import { orList, sessionTask, SERVER_TASK_LIST } from './tasks/index.ts';

export { EXPORT_FORMATS, type ExportFormat } from './export-formats.ts';

/** The export as a string (csv, jsonl, coco) or a Buffer (masks: a tar of masks/<id>.png and
 * masks/classes.json) for stdout / HTTP; or, given `out`, written there (masks: a folder, or a tar file
 * when out ends in .tar) and undefined returned. */
export async function exportSession(
  session: Session,
  format: ExportFormat,
  out?: string,
): Promise<string | Buffer | undefined> {
  const { db } = session;
  if (!EXPORT_FORMATS.includes(format))
    throw new AppError(400, 'invalid_format', `format must be one of ${EXPORT_FORMATS.join(', ')}`);
  const cls = db.select().from(classes).orderBy(asc(classes.position)).all();
  const names = new Map(cls.map((c) => [c.id, c.name]));
  // a session without a task yet may export anything (all of it is empty or images only)
  const task = sessionTask(db);
  if (task && !task.exportFormats.includes(format)) {
    const owners = SERVER_TASK_LIST.filter((t) => t.exportFormats.includes(format)).map((t) => t.name);
    throw new AppError(
      400,
      'wrong_task',
      `${format} export is for ${orList(owners)} sessions; this one is ${task.name} (use ${orList(task.exportFormats)})`,
    );
  }
  let body: string;
  if (format === 'csv' || format === 'jsonl') {
    const imgs = db.select().from(images).orderBy(asc(images.id)).all();
    const anns = new Map(
      db
        .select()
        .from(annotations)
        .all()
        .map((a) => [a.imageId, a]),
    );
    if (format === 'csv') {
      body =
        'id,path,label,skipped\n' +
        imgs
          .map((im) => {
            const a = anns.get(im.id);
            const label = a?.kind === 'label' && a.classId != null ? (names.get(a.classId) ?? '') : '';
            return [im.id, csvCell(im.path), csvCell(label), a?.kind === 'skip' ? 1 : 0].join(',');
          })
          .join('\n') +
        (imgs.length ? '\n' : '');
    } else {
      const preds = new Map(
        db
          .select()
          .from(predictions)
          .all()
          .map((p) => [p.imageId, p]),
      );
      body =
        imgs
          .map((im) => {
            const p = preds.get(im.id);
            return JSON.stringify({
              id: im.id,
              path: im.path,
              width: im.width,
              height: im.height,
              sha256: im.sha256,
              annotation: annotationJson(anns.get(im.id), names),
              prediction: p
                ? {
                    classId: p.classId,
                    label: p.classId != null ? (names.get(p.classId) ?? null) : null,
                    probs: p.probs ?? null,
                    uncertainty: p.uncertainty,
                    modelVersion: p.modelVersion,
                  }
                : null,
            });
          })
          .join('\n') + (imgs.length ? '\n' : '');
    }
  } else if (format === 'coco') {
    body = JSON.stringify(await cocoJson(session, cls));
  } else {
    return exportMasks(session, cls, out);
  }
  if (!out) return body;
  writeFileSync(out, body);
  return undefined;
}

function annotationJson(a: AnnotationRow | undefined, names: Map<number, string>) {
  if (!a) return null;
  return {
    kind: a.kind,
    classId: a.classId,
    label: a.classId != null ? (names.get(a.classId) ?? null) : null,
    annotator: a.annotator,
    updatedAt: a.updatedAt,
    ...(a.points ? { points: a.points } : {}),
    ...(a.kind === 'mask' ? { hasMask: !!a.mask } : {}),
  };
}

function maskRows(session: Session) {
  return session.db
    .select({ imageId: annotations.imageId, mask: annotations.mask })
    .from(annotations)
    .where(isNotNull(annotations.mask))
    .orderBy(asc(annotations.imageId))
    .all();
}

async function cocoJson(session: Session, cls: ClassRow[]) {
  const { db } = session;
  const imgs = db.select().from(images).orderBy(asc(images.id)).all();
  const anns: object[] = [];
  for (const { imageId, mask } of maskRows(session)) {
    const m = await decodeClassMask(mask!);
    for (const [classId, r] of classMaskToRles(m)) {
      anns.push({
        id: anns.length + 1,
        image_id: imageId,
        category_id: classId,
        iscrowd: 1,
        area: r.area,
        bbox: r.bbox,
        segmentation: { size: [m.height, m.width], counts: rleToString(r.counts) },
      });
    }
  }
  return {
    info: { description: `hilt export of session ${session.name}`, date_created: new Date().toISOString() },
    licenses: [],
    images: imgs.map((im) => ({ id: im.id, file_name: im.path, width: im.width, height: im.height })),
    categories: cls.map((c) => ({ id: c.id, name: c.name, supercategory: '' })),
    annotations: anns,
  };
}

async function exportMasks(session: Session, cls: ClassRow[], out?: string): Promise<Buffer | undefined> {
  const rows = maskRows(session);
  const classesJson = JSON.stringify(
    { unlabelled: 0, classes: cls.map((c) => ({ id: c.id, name: c.name, color: c.color })) },
    null,
    2,
  );
  if (out && !out.endsWith('.tar')) {
    mkdirSync(out, { recursive: true });
    for (const r of rows) writeFileSync(join(out, `${r.imageId}.png`), r.mask!);
    writeFileSync(join(out, 'classes.json'), classesJson);
    return undefined;
  }
  const tar = ustar([
    ...rows.map((r) => ({ name: `masks/${r.imageId}.png`, data: r.mask! })),
    { name: 'masks/classes.json', data: Buffer.from(classesJson) },
  ]);
  if (!out) return tar;
  writeFileSync(out, tar);
  return undefined;
}

/** A minimal POSIX ustar archive (regular files, names < 100 bytes): enough for a folder of masks. */
export function ustar(files: { name: string; data: Buffer }[], mtime = Math.floor(Date.now() / 1000)): Buffer {
  const parts: Buffer[] = [];
  for (const f of files) {
    const h = Buffer.alloc(512);
    const put = (s: string, off: number, len: number) => h.write(s.slice(0, len), off, len, 'utf8');
    const oct = (n: number, len: number) => n.toString(8).padStart(len - 1, '0') + '\0';
    put(f.name, 0, 100);
    put(oct(0o644, 8), 100, 8);
    put(oct(0, 8), 108, 8);
    put(oct(0, 8), 116, 8);
    put(oct(f.data.length, 12), 124, 12);
    put(oct(mtime, 12), 136, 12);
    put('        ', 148, 8); // checksum is computed with its own field as spaces
    put('0', 156, 1);
    put('ustar\0', 257, 6);
    put('00', 263, 2);
    let sum = 0;
    for (const b of h) sum += b;
    put(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8);
    parts.push(h, f.data, Buffer.alloc((512 - (f.data.length % 512)) % 512));
  }
  parts.push(Buffer.alloc(1024)); // two zero blocks end the archive
  return Buffer.concat(parts);
}
