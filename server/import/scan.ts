// Walks a folder for image files (recursive, extension match is case-insensitive: .JPG, .Jpeg, .TIF…).
// Dotfiles and dot-folders are ignored (.DS_Store, .git); symlinks are followed, dangling ones reported.
import { readdirSync, statSync } from 'node:fs';
import { extname, join, relative, resolve, sep } from 'node:path';
import type { Skip } from './validate.ts';

export const IMAGE_EXTS = new Set(['.jpg', '.jpeg', '.jpe', '.jfif', '.png', '.webp', '.tif', '.tiff', '.gif', '.avif']);

export const isImageName = (file: string) => IMAGE_EXTS.has(extname(file).toLowerCase());

export interface ScanResult { root: string; files: string[]; skipped: Skip[] }

/** All image files under root, absolute, sorted. */
export function scanFolder(root: string): ScanResult {
  const abs = resolve(root);
  const files: string[] = [];
  const skipped: Skip[] = [];
  const seenDirs = new Set<string>(); // symlink loops
  const walk = (dir: string) => {
    let entries;
    try { entries = readdirSync(dir, { withFileTypes: true }); } catch (e) {
      skipped.push({ file: dir, reason: 'unreadable', detail: (e as Error).message });
      return;
    }
    for (const ent of entries) {
      if (ent.name.startsWith('.')) continue;
      const p = join(dir, ent.name);
      let isDir = ent.isDirectory(), isFile = ent.isFile();
      if (ent.isSymbolicLink()) {
        try { const st = statSync(p); isDir = st.isDirectory(); isFile = st.isFile(); } catch {
          if (isImageName(p)) skipped.push({ file: p, reason: 'missing', detail: 'dangling symlink' });
          continue;
        }
      }
      if (isDir) {
        let key = p;
        try { const st = statSync(p); key = `${st.dev}:${st.ino}`; } catch { /* walk reports it */ }
        if (!seenDirs.has(key)) { seenDirs.add(key); walk(p); }
      } else if (isFile && isImageName(p)) files.push(p);
    }
  };
  walk(abs);
  files.sort(); // same order as by relative path: stable ids across runs
  return { root: abs, files, skipped };
}

/** Path segments of file below root ('a/b/c.jpg' → ['a','b','c.jpg']). */
export function segmentsUnder(root: string, file: string): string[] {
  return relative(root, file).split(sep);
}
