// Per repeat, a base session: the pool imported once through the real importer (unlabelled, in this
// repeat's order). Every (strategy, repeat) run starts from a copy of its session.db (thumbnails are not
// needed: nothing here asks for them), and the image id → true answer map comes from its images table.
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { importInto } from '../../server/import/import.ts';
import { closeSession, openSession } from '../../server/session.ts';
import { poolCsv, type Dataset, type Item } from './dataset.ts';
import type { SimOptions } from './options.ts';

export const baseName = (repeat: number) => `base-r${repeat}`;

export async function makeBaseSession(
  o: SimOptions,
  ds: Dataset,
  work: string,
  sessionsDir: string,
  repeat: number,
  say: (l: string) => void,
): Promise<void> {
  const { csv } = poolCsv(ds.pool, o.order, o.seed * 1000 + repeat);
  const csvFile = join(work, `pool-r${repeat}.csv`);
  writeFileSync(csvFile, csv);
  const session = openSession(sessionsDir, baseName(repeat), { create: true });
  try {
    const r = await importInto(session, csvFile, { format: 'csv' });
    if (r.skipped.length) say(`import skipped ${r.skipped.length} files, e.g. ${JSON.stringify(r.skipped[0])}`);
    if (r.duplicates.length) say(`import: ${r.duplicates.length} duplicate images (same bytes) imported once`);
  } finally {
    closeSession(session);
  }
}

export function truthMap(ds: Dataset, sessionsDir: string, repeat: number): Map<number, Item> {
  const byPath = new Map(ds.pool.map((i) => [i.file, i]));
  const session = openSession(sessionsDir, baseName(repeat));
  try {
    const out = new Map<number, Item>();
    for (const row of session.db.$client.prepare('select id, path from images').all() as {
      id: number;
      path: string;
    }[]) {
      const it = byPath.get(row.path);
      if (it) out.set(row.id, it);
    }
    return out;
  } finally {
    closeSession(session);
  }
}

/** A fresh run session: a copy of the base's database (closed, so its WAL is checkpointed). */
export function copySession(sessionsDir: string, repeat: number, name: string): void {
  const from = join(sessionsDir, baseName(repeat)),
    to = join(sessionsDir, name);
  mkdirSync(to, { recursive: true });
  for (const f of ['session.db', 'session.db-wal'])
    if (existsSync(join(from, f))) copyFileSync(join(from, f), join(to, f));
}
