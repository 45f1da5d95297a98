// Import orchestration: read the source, validate every file with sharp (making its thumbnail in the same
// decode) through a bounded pool, insert the valid ones in order in batched transactions (a row only
// after its file proved readable), then write labels / masks and the task lock.
import { copyFileSync, mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { extname, join } from 'node:path';
import cliProgress from 'cli-progress';
import { images } from '../db/schema.ts';
import { stmt } from '../db/prepared.ts';
import { getTask, type Session } from '../session.ts';
import { SERVER_TASK_LIST } from '../tasks/index.ts';
import type { ImportedIds, ServerTask } from '../tasks/task.ts';
import type { ImportReport } from './report.ts';
import { readSource, type Entry, type Format, type SourcePlan } from './sources.ts';
import { confineEntries } from './confine.ts';
import { thumbPath } from './thumbs.ts';
import { isSkip, probeImage, type Probed, type Skip } from './validate.ts';

export interface ImportOptions {
  copy?: boolean;
  format?: 'auto' | Format;
  onProgress?: (done: number, total: number) => void;
  /** files validated at once; sharp runs each on the libuv pool, so ~2× cores keeps every core busy */
  concurrency?: number;
  /** import over HTTP: read only under these real paths (symlinks, CSV and COCO entries included) */
  roots?: string[];
  /** bounds on the folder walk (and on the entries of a CSV / COCO file) */
  limits?: { maxFiles?: number; maxMs?: number };
  /** image files found so far while walking a folder */
  onScan?: (found: number) => void;
}

export type { ImportReport } from './report.ts';

const BATCH = 256;
const MAX_AHEAD = 4 * BATCH;

export async function importInto(session: Session, source: string, opts: ImportOptions = {}): Promise<ImportReport> {
  const { roots, limits } = opts;
  const plan = await readSource(source, opts.format ?? 'auto', {
    maxFiles: limits?.maxFiles,
    deadline: limits?.maxMs === undefined ? undefined : Date.now() + limits.maxMs,
    roots,
    onFound: opts.onScan,
  });
  if (roots && (plan.format === 'csv' || plan.format === 'coco')) {
    const c = await confineEntries(plan.entries, roots, source, plan.format === 'csv' ? 'row' : 'image');
    plan.entries = c.kept;
    plan.skipped.push(...c.skipped);
  }
  const { db } = session;
  const report: ImportReport = {
    format: plan.format,
    added: 0,
    duplicates: [],
    skipped: [...plan.skipped],
    alreadyPresent: 0,
    classesCreated: [],
    labelsSet: 0,
    masksSet: 0,
    warnings: [...plan.warnings],
  };
  // what is already in the session is looked up by its unique indexes, not loaded: memory does not grow
  // with the session (it held ~1.75 KiB per existing image before)
  const byPath = (path: string) =>
    stmt(db, 'select id, width, height from images where path = ?').get(path) as
      { id: number; width: number; height: number } | undefined;
  const bySha = (sha: string) =>
    stmt(db, 'select id, path from images where sha256 = ?').get(sha) as { id: number; path: string } | undefined;
  /** image id (and displayed size) each labelled entry ended up as: new, already present or duplicate */
  const idOf = new Map<Entry, { id: number; width: number; height: number }>();
  const remember = (e: Entry, ref: { id: number; width: number; height: number }) => {
    if (e.label || e.coco) idOf.set(e, ref);
  };
  const todo: Entry[] = [];
  for (const e of plan.entries) {
    const known = byPath(e.file);
    if (known) {
      report.alreadyPresent++;
      remember(e, known);
    } else todo.push(e);
  }
  const total = plan.entries.length;
  let done = report.alreadyPresent;
  opts.onProgress?.(done, total);

  const imagesDir = join(session.dir, 'images');
  if (opts.copy) mkdirSync(imagesDir, { recursive: true });
  const results: (Probed | Skip | undefined)[] = new Array(todo.length);
  let flushed = 0;
  const seenSha = new Set<string>();
  const thumbWrites: Promise<void>[] = [];
  // Commit finished results in entry order (ids follow the sorted file order), a batch at a time.
  const flush = (all: boolean) => {
    let end = flushed;
    while (end < todo.length && results[end]) end++;
    if (end - flushed < BATCH && !(all && end > flushed)) return;
    const added: { p: Probed; id: number }[] = [];
    db.transaction(() => {
      for (let i = flushed; i < end; i++) {
        const r = results[i]!,
          e = todo[i];
        results[i] = undefined; // free thumbnails and bytes as we go
        if (isSkip(r)) {
          report.skipped.push(r);
          continue;
        }
        const path = opts.copy ? join(imagesDir, r.sha256.slice(0, 16) + extname(r.file).toLowerCase()) : r.file;
        const prev = bySha(r.sha256);
        const firstOfItsBytes = !seenSha.has(r.sha256);
        seenSha.add(r.sha256);
        if (prev) {
          // with copy, a re-import finds its bytes already copied under the same name: that is not a duplicate
          if (firstOfItsBytes && prev.path === path) report.alreadyPresent++;
          else report.duplicates.push({ file: r.file, sameAs: prev.path });
          remember(e, byPath(prev.path)!);
          continue;
        }
        if (opts.copy && !existsSync(path)) {
          if (r.data) writeFileSync(path, r.data);
          else copyFileSync(r.file, path);
        }
        const id = Number(
          db
            .insert(images)
            .values({
              path,
              width: r.width,
              height: r.height,
              sha256: r.sha256,
              bytes: r.bytes,
              addedAt: Date.now(),
              orientation: r.orientation,
              format: r.format,
            })
            .run().lastInsertRowid,
        );
        remember(e, { id, width: r.width, height: r.height });
        added.push({ p: r, id });
      }
    });
    // async: the open/write/close run on the libuv pool instead of blocking the loop that feeds sharp
    for (const { p, id } of added) {
      thumbWrites.push(
        writeFile(thumbPath(session.dir, id), p.thumb).catch((e) => {
          report.warnings.push(`thumbnail of image ${id}: ${e.message}`);
        }),
      );
    }
    report.added += added.length;
    flushed = end;
  };

  const concurrency = Math.max(1, opts.concurrency ?? availableParallelism() * 2);
  let next = 0;
  const worker = async () => {
    while (next < todo.length) {
      // one slow file (a huge TIFF) must not let thousands of finished thumbnails pile up behind it
      if (next - flushed >= MAX_AHEAD) {
        await new Promise((r) => setTimeout(r, 5));
        continue;
      }
      const i = next++;
      results[i] = await probeImage(todo[i].file, { keepData: opts.copy });
      opts.onProgress?.(++done, total);
      flush(false);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, todo.length) }, worker));
  flush(true);
  await Promise.all(thumbWrites);

  await applyAnnotations(session, plan, idOf, report);
  return report;
}

/** Labels (class-folders, CSV) or masks (COCO), if the task lock allows; locks the task on first use.
 *  Each task says which entries carry its annotations and writes them (server/tasks/). */
async function applyAnnotations(session: Session, plan: SourcePlan, idOf: ImportedIds, report: ImportReport) {
  const { db } = session;
  let want: { task: ServerTask<any>; entries: Entry[] } | null = null;
  for (const task of SERVER_TASK_LIST) {
    const entries = task.importer.entries(plan, idOf);
    if (entries.length) {
      want = { task, entries };
      break;
    }
  }
  if (!want) return;
  const task = getTask(db);
  if (task && task !== want.task.name) {
    report.warnings.push(
      `the session's task is ${task}: ${want.task.name} annotations in the source were not imported (images only)`,
    );
    return;
  }
  await want.task.importer.apply(session, plan, want.entries, idOf, report, !task);
}

/** A terminal progress bar on stderr for the CLI: pass `onProgress`, call `stop()` when done. */
export function progressBar(label = 'import'): { onProgress: (done: number, total: number) => void; stop: () => void } {
  const bar = new cliProgress.SingleBar(
    {
      format: `${label} [{bar}] {value}/{total} images | {percentage}% | {rate} img/s | eta {eta_formatted}`,
      stream: process.stderr,
      hideCursor: true,
      etaBuffer: 200,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  const t0 = Date.now();
  return {
    onProgress(done, total) {
      if (!started) {
        bar.start(total, done, { rate: '0' });
        started = true;
      }
      bar.update(done, { rate: (done / Math.max(0.001, (Date.now() - t0) / 1000)).toFixed(0) });
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
