// CSV formula injection: the CSV export neutralises every cell a spreadsheet would run (= + - @ tab CR
// first: a single quote goes in front), and every way a class name comes in (API, CSV, class folders,
// COCO) applies the same class-name rule, so a formula never becomes a class in the first place.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { classes } from '../server/db/schema.ts';
import { parseCsv } from '../server/import/sources.ts';
import { csvCell } from '../server/csv.ts';
import { checkClassName } from '../common/class-names.ts';
import { importInto } from '../server/import/import.ts';
import { closeSession, openSession } from '../server/session.ts';
import { makeImages, makeSession, serveSession, tempDir, type TestServer } from './helpers/fixtures.ts';

const FORMULAS = [
  "=cmd|' /C calc'!A0",
  '=HYPERLINK("http://evil.example","x")',
  '@SUM(1+1)*cmd|" /C calc"!A0',
  '+1+1',
  '-2+3',
  '\t=1+1',
  '\r=1+1',
];
let dir: string, src: string;
let srv: TestServer;

beforeAll(async () => {
  dir = tempDir();
  src = tempDir('hilt-csv-src-');
  const files = await makeImages(src, FORMULAS.length + 1, { width: 20, height: 20 });
  const rows = [['path', 'label'], ...files.map((f, i) => [f, i < FORMULAS.length ? FORMULAS[i] : 'cat'])];
  writeFileSync(
    join(src, 'labels.csv'),
    rows.map((r) => r.map((c) => `"${c.replace(/"/g, '""')}"`).join(',')).join('\n') + '\n',
  );
  await makeSession(dir, 'csv', 2);
  srv = await serveSession(dir, 'csv');
});
afterAll(async () => {
  await srv?.close();
});

describe('one class-name rule for every way in', () => {
  it('the rule refuses formulas and accepts ordinary names in any script', () => {
    for (const f of FORMULAS) expect(checkClassName(f), JSON.stringify(f)).toBeNull();
    for (const ok of ['cat', 'golden retriever', 'ankle-boot', 'Кошка', '猫', 'n01440764'])
      expect(checkClassName(` ${ok} `)).toBe(ok);
  });

  it('the API refuses every formula as a class name', async () => {
    for (const f of FORMULAS)
      expect((await srv.api('POST', '/api/classes', { name: f })).status, JSON.stringify(f)).toBe(400);
  });

  it('a CSV import creates no class from a formula; those images come in unlabelled, with a warning', async () => {
    const s = openSession(dir, 'csv');
    try {
      const r = await importInto(s, join(src, 'labels.csv'));
      expect(r.added).toBe(FORMULAS.length + 1);
      expect(r.classesCreated).toEqual(['cat']);
      expect(r.labelsSet).toBe(1);
      expect(r.warnings.join(' ')).toMatch(/7 labels? .*not valid class names/);
      expect(r.warnings.join(' ')).not.toContain('HYPERLINK');
    } finally {
      closeSession(s);
    }
  });

  it('class folders and COCO categories follow the same rule', async () => {
    const root = tempDir('hilt-csv-folders-');
    await makeImages(join(root, '=1+1'), 1, { width: 21, height: 21 });
    await makeImages(join(root, 'dog'), 1, { width: 22, height: 22 });
    const coco = tempDir('hilt-csv-coco-');
    copyFileSync(join(root, 'dog', 'img-0000.png'), join(coco, 'a.png'));
    writeFileSync(
      join(coco, 'c.json'),
      JSON.stringify({
        images: [{ id: 1, file_name: 'a.png', width: 22, height: 22 }],
        categories: [{ id: 1, name: '@SUM(1)' }],
        annotations: [{ image_id: 1, category_id: 1, segmentation: [[0, 0, 10, 0, 10, 10]] }],
      }),
    );
    const fresh = tempDir();
    const s = openSession(fresh, 'f', { create: true });
    const g = openSession(fresh, 'g', { create: true });
    try {
      const r = await importInto(s, root);
      expect(r.format).toBe('class-folders');
      expect(r.classesCreated).toEqual(['dog']);
      const c = await importInto(g, join(coco, 'c.json'));
      expect(c.classesCreated).toEqual([]);
      expect(c.masksSet).toBe(0);
    } finally {
      closeSession(s);
      closeSession(g);
    }
  });
});

describe('CSV export', () => {
  it('puts a quote in front of every cell a spreadsheet would run', async () => {
    // a session written before the rule (or by hand) may hold such names: the export still defuses them
    const db = srv.ctx.session.db;
    const ids = FORMULAS.map((name, i) =>
      Number(
        db
          .insert(classes)
          .values({ name, color: '#000000', position: 100 + i })
          .run().lastInsertRowid,
      ),
    );
    for (const [i, id] of ids.entries())
      expect((await srv.api('PUT', `/api/images/${i + 1}/annotation`, { kind: 'label', classId: id })).status).toBe(
        200,
      );
    const res = await fetch(`${srv.url}/api/export?format=csv`);
    const cells = parseCsv(await res.text())
      .slice(1)
      .flat();
    for (const cell of cells) expect(cell, JSON.stringify(cell)).not.toMatch(/^[=+\-@\t\r]/);
    const labels = parseCsv(await (await fetch(`${srv.url}/api/export?format=csv`)).text())
      .slice(1, 1 + FORMULAS.length)
      .map((r) => r[2]);
    expect(labels).toEqual(FORMULAS.map((f) => `'${f}`));
  });

  it('csvCell leaves ordinary cells alone', () => {
    expect(csvCell('cat')).toBe('cat');
    expect(csvCell('/data/a,b.png')).toBe('"/data/a,b.png"');
    expect(csvCell('=1+1')).toBe("'=1+1");
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
  });
});
