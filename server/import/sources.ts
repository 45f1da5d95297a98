// Turns an import source (a folder, class-folders, a CSV or a COCO JSON) into a list of files with the
// labels or COCO annotations that go with them. Nothing is decoded here; validation comes later.
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { dirname, extname, isAbsolute, join, resolve } from 'node:path';
import { AppError } from '../errors.ts';
import type { Rle } from '../masks.ts';
import { scanFolder, segmentsUnder, type ScanOptions } from './scan.ts';
import type { Skip } from './validate.ts';
import type { CocoAnn, Entry, Format } from './entry.ts';
import { CLASS_NAME_MSG, checkClassName } from '../../common/class-names.ts';

export type { CocoAnn, Entry, Format } from './entry.ts';

/** a CSV or COCO file larger than this is refused before it is read */
const MAX_LIST_BYTES = 256 * 1024 * 1024;

export interface SourcePlan {
  format: Format;
  entries: Entry[];
  skipped: Skip[];
  /** COCO categories in file order */
  categories?: { id: number; name: string }[];
  warnings: string[];
}

export async function readSource(
  source: string,
  format: 'auto' | Format = 'auto',
  scan: ScanOptions = {},
): Promise<SourcePlan> {
  const abs = resolve(source);
  let st;
  try {
    st = await stat(abs);
  } catch {
    throw new AppError(400, 'no_such_path', `no such file or folder: ${abs}`);
  }
  if (st.isDirectory()) {
    if (format === 'csv' || format === 'coco')
      throw new AppError(400, 'bad_format', `${format} import needs a file, ${abs} is a folder`);
    return nameRule(await readFolder(abs, format, scan));
  }
  const ext = extname(abs).toLowerCase();
  const fmt = format === 'auto' ? (ext === '.csv' ? 'csv' : ext === '.json' ? 'coco' : null) : format;
  if (!fmt) throw new AppError(400, 'bad_format', `cannot import ${abs}: expected a folder, a .csv or a COCO .json`);
  if (st.size > MAX_LIST_BYTES)
    throw new AppError(413, 'too_large', `${abs} is over ${MAX_LIST_BYTES / 1024 / 1024} MiB`);
  const text = await readFile(abs, 'utf8');
  const plan = nameRule(fmt === 'csv' ? readCsvSource(abs, text) : readCoco(abs, text));
  if (plan.entries.length > (scan.maxFiles ?? Infinity))
    throw new AppError(413, 'too_many_files', `${abs} lists more than ${scan.maxFiles} images: import a smaller one`);
  return plan;
}

/** Labels and COCO categories that break the class-name rule (class-names.ts, the API's own) are dropped:
 * their images come in unlabelled, with a warning that counts them and quotes none (a formula, markup). */
function nameRule(plan: SourcePlan): SourcePlan {
  let bad = 0;
  for (const e of plan.entries) {
    if (e.label === undefined) continue;
    const name = checkClassName(e.label);
    if (name) e.label = name;
    else {
      e.label = undefined;
      bad++;
    }
  }
  if (bad)
    plan.warnings.push(
      `${bad} label${bad === 1 ? ' is' : 's are'} not valid class names (${CLASS_NAME_MSG}): those images were imported unlabelled`,
    );
  if (plan.categories) {
    const kept = plan.categories.filter((c) => checkClassName(c.name) !== null);
    const dropped = plan.categories.length - kept.length;
    if (dropped) {
      plan.categories = kept;
      const ids = new Set(kept.map((c) => c.id));
      for (const e of plan.entries) {
        if (!e.coco) continue;
        e.coco.anns = e.coco.anns.filter((a) => ids.has(a.categoryId));
        if (!e.coco.anns.length) e.coco = undefined;
      }
      plan.warnings.push(
        `${dropped} COCO categor${dropped === 1 ? 'y is' : 'ies are'} not valid class names (${CLASS_NAME_MSG}): their annotations were not imported`,
      );
    }
  }
  return plan;
}

/** class-folders when auto: every image exactly one level under a subfolder, and at least 2 subfolders. */
async function readFolder(
  root: string,
  format: 'auto' | 'folder' | 'class-folders',
  scan: ScanOptions,
): Promise<SourcePlan> {
  const { files, skipped } = await scanFolder(root, scan);
  const segs = files.map((f) => segmentsUnder(root, f));
  const subs = new Set(segs.map((s) => s[0]));
  const classFolders =
    format === 'class-folders' ||
    (format === 'auto' && files.length > 0 && segs.every((s) => s.length === 2) && subs.size >= 2);
  const entries = files.map((file, i) => ({
    file,
    label: classFolders && segs[i].length >= 2 ? segs[i][0] : undefined,
  }));
  return { format: classFolders ? 'class-folders' : 'folder', entries, skipped, warnings: [] };
}

const PATH_COLS = ['path', 'file', 'filename', 'file_name', 'filepath', 'image', 'img'];
const LABEL_COLS = ['label', 'class', 'category', 'class_name', 'classname'];

/** `path,label` rows, header optional (recognised by a path-like first column name); paths relative to
 * the CSV's folder. An empty label leaves the image unlabelled; the first row for a path wins. */
function readCsvSource(file: string, text: string): SourcePlan {
  const rows = parseCsv(text)
    .map((cells, i) => ({ cells, line: i + 1 }))
    .filter((r) => r.cells.some((c) => c.trim() !== ''));
  let pathCol = 0,
    labelCol = 1;
  const head = rows[0]?.cells.map((c) => c.trim().toLowerCase());
  if (head?.some((c) => PATH_COLS.includes(c))) {
    pathCol = head.findIndex((c) => PATH_COLS.includes(c));
    labelCol = head.findIndex((c) => LABEL_COLS.includes(c));
    rows.shift();
  }
  const seen = new Set<string>();
  const entries: Entry[] = [];
  for (const { cells: r, line } of rows) {
    const p = (r[pathCol] ?? '').trim();
    if (!p) continue;
    const abs = isAbsolute(p) ? p : resolve(dirname(file), p);
    if (seen.has(abs)) continue;
    seen.add(abs);
    const label = labelCol >= 0 ? (r[labelCol] ?? '').trim() : '';
    entries.push({ file: abs, label: label || undefined, index: line });
  }
  return { format: 'csv', entries, skipped: [], warnings: [] };
}

/** RFC 4180-ish: quoted fields with "" escapes and embedded newlines, CRLF, a UTF-8 BOM. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [],
    field = '',
    quoted = false;
  const s = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (quoted) {
      if (ch === '"' && s[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"' && field === '') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && s[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += ch;
  }
  if (field !== '' || row.length) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

interface CocoJson {
  images?: { id: number; file_name: string; width: number; height: number }[];
  categories?: { id: number; name: string }[];
  annotations?: { image_id: number; category_id: number; segmentation?: number[][] | Rle }[];
}

/** COCO: file_name absolute, or relative to the JSON's folder (or its images/ subfolder, a common layout). */
function readCoco(file: string, text: string): SourcePlan {
  let j: CocoJson;
  // the parser's message quotes the file's first bytes: not something to echo to an HTTP client
  try {
    j = JSON.parse(text);
  } catch {
    throw new AppError(400, 'invalid_coco', `${file}: not valid JSON`);
  }
  if (!j || !Array.isArray(j.images))
    throw new AppError(400, 'invalid_coco', `${file}: no "images" array, not a COCO file`);
  const warnings: string[] = [];
  const categories = (j.categories ?? [])
    .filter((c) => Number.isInteger(c?.id) && typeof c?.name === 'string' && c.name.trim())
    .map((c) => ({ id: c.id, name: c.name.trim() }));
  const catIds = new Set(categories.map((c) => c.id));
  const byImage = new Map<number, CocoAnn[]>();
  let noSeg = 0,
    badCat = 0;
  for (const a of j.annotations ?? []) {
    const seg = a?.segmentation;
    const hasSeg = Array.isArray(seg) ? seg.length > 0 : !!seg && typeof seg === 'object' && 'counts' in seg;
    if (!hasSeg) {
      noSeg++;
      continue;
    }
    if (!catIds.has(a.category_id)) {
      badCat++;
      continue;
    }
    const list = byImage.get(a.image_id) ?? [];
    list.push({ categoryId: a.category_id, segmentation: seg! });
    byImage.set(a.image_id, list);
  }
  if (noSeg) warnings.push(`${noSeg} COCO annotations without segmentation ignored`);
  if (badCat) warnings.push(`${badCat} COCO annotations with an unknown category ignored`);
  const dir = dirname(file);
  const entries: Entry[] = [];
  const seen = new Set<string>();
  for (const [k, im] of j.images.entries()) {
    if (typeof im?.file_name !== 'string') continue;
    let abs = isAbsolute(im.file_name) ? im.file_name : resolve(dir, im.file_name);
    if (!existsSync(abs) && !isAbsolute(im.file_name) && existsSync(join(dir, 'images', im.file_name)))
      abs = join(dir, 'images', im.file_name);
    if (seen.has(abs)) continue;
    seen.add(abs);
    const anns = byImage.get(im.id);
    entries.push({ file: abs, coco: anns ? { width: im.width, height: im.height, anns } : undefined, index: k + 1 });
  }
  return { format: 'coco', entries, skipped: [], categories, warnings };
}
