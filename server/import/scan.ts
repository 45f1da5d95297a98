// Walks a folder for image files (recursive, extension match is case-insensitive: .JPG, .Jpeg, .TIF…).
// Dotfiles and dot-folders are ignored (.DS_Store, .git); symlinks are followed, dangling ones reported.
// The walk is asynchronous (the server keeps answering during a large one) and bounded: by the number
// of entries it looks at and by a deadline, so {"path":"/"} ends with an error instead of a stall.
import { readdir, realpath, stat } from 'node:fs/promises';
import { extname, join, relative, resolve, sep } from 'node:path';
import { AppError } from '../errors.ts';
import { isUnder } from './confine.ts';
import type { Skip } from './validate.ts';

export const IMAGE_EXTS = new Set([
  '.jpg',
  '.jpeg',
  '.jpe',
  '.jfif',
  '.png',
  '.webp',
  '.tif',
  '.tiff',
  '.gif',
  '.avif',
]);

export const isImageName = (file: string) => IMAGE_EXTS.has(extname(file).toLowerCase());

export interface ScanResult {
  root: string;
  files: string[];
  skipped: Skip[];
}
export interface ScanOptions {
  /** image files at most (entries looked at: 10× that); past it the walk fails with 413 too_many_files */
  maxFiles?: number;
  /** Date.now() past which the walk fails with 422 scan_timeout */
  deadline?: number;
  /** import roots: a symlink leading outside them is treated like a missing file */
  roots?: string[];
  onFound?(files: number): void;
}

/** All image files under root, absolute, sorted. */
export async function scanFolder(root: string, o: ScanOptions = {}): Promise<ScanResult> {
  const abs = resolve(root);
  const files: string[] = [];
  const skipped: Skip[] = [];
  const seenDirs = new Set<string>(); // symlink loops
  const maxFiles = o.maxFiles ?? Infinity;
  let entries = 0;
  const check = () => {
    if (files.length > maxFiles || entries > maxFiles * 10) {
      throw new AppError(
        413,
        'too_many_files',
        `more than ${maxFiles} images (or ${maxFiles * 10} entries) under that folder: import a smaller one`,
      );
    }
    if (o.deadline !== undefined && Date.now() > o.deadline)
      throw new AppError(422, 'scan_timeout', 'the folder took too long to list: import a smaller one');
  };
  const walk = async (dir: string) => {
    let list;
    try {
      list = await readdir(dir, { withFileTypes: true });
    } catch (e) {
      skipped.push({ file: dir, reason: 'unreadable', detail: (e as Error).message });
      return;
    }
    for (const ent of list) {
      entries++;
      if (ent.name.startsWith('.')) continue;
      const p = join(dir, ent.name);
      let isDir = ent.isDirectory(),
        isFile = ent.isFile();
      if (ent.isSymbolicLink()) {
        try {
          if (o.roots && !isUnder(o.roots, await realpath(p))) throw new Error('outside the import roots');
          const st = await stat(p);
          isDir = st.isDirectory();
          isFile = st.isFile();
        } catch {
          if (isImageName(p)) skipped.push({ file: p, reason: 'missing', detail: 'dangling symlink' });
          continue;
        }
      }
      if (isDir) {
        let key = p;
        try {
          const st = await stat(p);
          key = `${st.dev}:${st.ino}`;
        } catch {
          /* walk reports it */
        }
        if (!seenDirs.has(key)) {
          seenDirs.add(key);
          await walk(p);
        }
      } else if (isFile && isImageName(p)) {
        files.push(p);
        if (files.length % 500 === 0) o.onFound?.(files.length);
      }
      if (entries % 256 === 0) check();
    }
    check();
  };
  await walk(abs);
  o.onFound?.(files.length);
  files.sort(); // same order as by relative path: stable ids across runs
  return { root: abs, files, skipped };
}

/** Path segments of file below root ('a/b/c.jpg' → ['a','b','c.jpg']). */
export function segmentsUnder(root: string, file: string): string[] {
  return relative(root, file).split(sep);
}
