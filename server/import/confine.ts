// Imports over HTTP read only under the import roots the server was started with. A path outside them,
// a missing path and a path that is no importable source all get the same answer, so the API cannot be
// used to probe the disk; entries of a CSV or COCO file are checked the same way and, when skipped, are
// named by their row, never by what the file says (that would echo a foreign file's contents).
import { realpath, stat } from 'node:fs/promises';
import { basename, extname, resolve, sep } from 'node:path';
import { AppError } from '../errors.ts';
import type { Entry } from './entry.ts';
import type { Skip } from './validate.ts';

export function isUnder(roots: string[], real: string): boolean {
  return roots.some((r) => real === r || real.startsWith(r.endsWith(sep) ? r : r + sep));
}

export const notImportable = () =>
  new AppError(404, 'path_not_found', 'no folder, CSV or COCO JSON at that path under the import roots of this server');

/** The real path of an import source under the roots: a folder, a .csv or a .json file. */
export async function resolveImportPath(path: string, roots: string[]): Promise<string> {
  let real: string;
  try {
    real = await realpath(resolve(path));
  } catch {
    throw notImportable();
  }
  if (!isUnder(roots, real)) throw notImportable();
  const st = await stat(real).catch(() => null);
  const ext = extname(real).toLowerCase();
  if (!st || !(st.isDirectory() || (st.isFile() && (ext === '.csv' || ext === '.json')))) throw notImportable();
  return real;
}

/** Keeps the entries of a CSV / COCO source that are files under the roots; the others become skips
 * named "<source> row N" (CSV) or "<source> image N" (COCO). */
export async function confineEntries(
  entries: Entry[],
  roots: string[],
  source: string,
  kind: 'row' | 'image',
): Promise<{ kept: Entry[]; skipped: Skip[] }> {
  const ok = new Array<boolean>(entries.length).fill(false);
  const BATCH = 64;
  for (let i = 0; i < entries.length; i += BATCH) {
    await Promise.all(
      entries.slice(i, i + BATCH).map(async (e, k) => {
        const real = await realpath(e.file).catch(() => null);
        ok[i + k] = !!real && isUnder(roots, real) && !!(await stat(real).catch(() => null))?.isFile();
      }),
    );
  }
  const name = basename(source);
  return {
    kept: entries.filter((_, i) => ok[i]),
    skipped: entries.flatMap((e, i) =>
      ok[i]
        ? []
        : [
            {
              file: `${name} ${kind} ${e.index ?? i + 1}`,
              reason: 'missing' as const,
              detail: 'no image file at that path under the import roots',
            },
          ],
    ),
  };
}
