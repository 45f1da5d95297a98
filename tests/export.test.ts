import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import sharp from 'sharp';
import { asc, eq } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { annotations, classes, images, predictions } from '../server/db/schema.ts';
import { exportSession } from '../server/export.ts';
import { importInto } from '../server/import/import.ts';
import { decodeClassMask, encodeClassMask } from '../server/masks.ts';
import { closeSession, openSession, setSetting, type Session } from '../server/session.ts';
import { makeDemoImages } from '../scripts/make-demo.ts';

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'hilt-export-'));
  dirs.push(d);
  return d;
};
const sessions: Session[] = [];
const newSession = (root: string, name = 's') => {
  const s = openSession(join(root, 'sessions'), name, { create: true });
  sessions.push(s);
  return s;
};
afterAll(() => {
  for (const s of sessions) closeSession(s);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function classFolders(root: string) {
  const src = join(root, 'pets');
  for (const [i, f] of ['cat/a.jpg', 'cat/b.jpg', 'dog/c.jpg', 'dog/d,e.jpg'].entries()) {
    mkdirSync(join(src, f, '..'), { recursive: true });
    await sharp({ create: { width: 8 + i, height: 8, channels: 3, background: { r: 40 * i, g: 0, b: 0 } } })
      .jpeg()
      .toFile(join(src, f));
  }
  const s = newSession(root);
  await importInto(s, src);
  return { s, src };
}

/** Class-index masks of a session by image path (to compare sessions whose ids may differ). */
async function masksByPath(s: Session) {
  const rows = s.db
    .select({ path: images.path, mask: annotations.mask })
    .from(annotations)
    .innerJoin(images, eq(images.id, annotations.imageId))
    .all();
  const out = new Map<string, number[]>();
  for (const r of rows) out.set(r.path, Array.from((await decodeClassMask(r.mask!)).data));
  return out;
}

describe('classification exports', () => {
  it('CSV: every image with its label; a skip has an empty label and skipped=1; quoting', async () => {
    const { s, src } = await classFolders(tmp());
    const imgs = s.db.select().from(images).orderBy(asc(images.id)).all();
    s.db.update(annotations).set({ kind: 'skip', classId: null }).where(eq(annotations.imageId, imgs[1].id)).run();
    s.db.delete(annotations).where(eq(annotations.imageId, imgs[2].id)).run();
    const r = await exportSession(s, 'csv');
    expect(r).toBe(
      [
        'id,path,label,skipped',
        `${imgs[0].id},${join(src, 'cat/a.jpg')},cat,0`,
        `${imgs[1].id},${join(src, 'cat/b.jpg')},,1`,
        `${imgs[2].id},${join(src, 'dog/c.jpg')},,0`,
        `${imgs[3].id},"${join(src, 'dog/d,e.jpg')}",dog,0`,
      ].join('\n') + '\n',
    );
    // the CSV imports again as path,label
    const root2 = tmp();
    writeFileSync(join(root2, 'x.csv'), r!);
    const again = await importInto(newSession(root2), join(root2, 'x.csv'));
    expect([again.added, again.labelsSet]).toEqual([4, 2]);
  });

  it('JSONL: one object per image with annotation and prediction', async () => {
    const { s } = await classFolders(tmp());
    const imgs = s.db.select().from(images).orderBy(asc(images.id)).all();
    const dog = s.db.select().from(classes).where(eq(classes.name, 'dog')).get()!;
    s.db
      .insert(predictions)
      .values({
        imageId: imgs[0].id,
        modelVersion: 3,
        classId: dog.id,
        probs: { [dog.id]: 0.8 },
        uncertainty: 0.6,
        at: 1,
      })
      .run();
    const out = join(tmp(), 'x.jsonl');
    const r = await exportSession(s, 'jsonl', out);
    expect(r).toBeUndefined();
    const lines = readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatchObject({
      id: imgs[0].id,
      path: imgs[0].path,
      width: 8,
      height: 8,
      sha256: imgs[0].sha256,
      annotation: { kind: 'label', label: 'cat', annotator: 'import' },
      prediction: { classId: dog.id, label: 'dog', modelVersion: 3, uncertainty: 0.6 },
    });
    expect(lines[2]).toMatchObject({ annotation: { label: 'dog' }, prediction: null });
  });

  it('COCO and masks refuse a classification session', async () => {
    const { s } = await classFolders(tmp());
    await expect(exportSession(s, 'coco')).rejects.toMatchObject({ status: 400, code: 'wrong_task' });
  });
});

describe('segmentation exports', () => {
  it('COCO export → import into a fresh session restores masks exactly (demo ground truth)', async () => {
    const root = tmp();
    const { items } = await makeDemoImages(join(root, 'demo'), { count: 12, seed: 5, size: [64, 48] });
    const a = newSession(root, 'a');
    const ra = await importInto(a, join(root, 'demo', 'coco.json'));
    expect([ra.added, ra.masksSet]).toEqual([12, 12]);
    // the imported masks are the generator's ground truth, pixel for pixel (category id = class id)
    const ma = await masksByPath(a);
    for (const it of items)
      expect(ma.get(it.file)).toEqual(Array.from((await decodeClassMask(readFileSync(it.mask))).data));
    const r = await exportSession(a, 'coco');
    expect(typeof r).toBe('string');
    const coco = JSON.parse(r as string);
    expect(coco.images).toHaveLength(12);
    expect(
      coco.annotations.every(
        (x: { iscrowd: number; segmentation: { size: number[]; counts: unknown } }) =>
          x.iscrowd === 1 && typeof x.segmentation.counts === 'string' && x.segmentation.size.join() === '48,64',
      ),
    ).toBe(true);
    writeFileSync(join(root, 'export.json'), r!);
    const b = newSession(root, 'b');
    const rb = await importInto(b, join(root, 'export.json'));
    expect([rb.added, rb.masksSet]).toEqual([12, 12]);
    expect(await masksByPath(b)).toEqual(ma);
  });

  it('round trip keeps several classes per image, class ids with gaps and unlabelled pixels', async () => {
    const root = tmp(),
      src = join(root, 'imgs');
    mkdirSync(src);
    for (const n of [1, 2])
      await sharp({ create: { width: 33, height: 17, channels: 3, background: { r: n, g: 9, b: 9 } } })
        .png()
        .toFile(join(src, `${n}.png`));
    const a = newSession(root, 'a');
    await importInto(a, src);
    setSetting(a.db, 'task', 'segmentation');
    for (const [id, name] of [
      [3, 'sky'],
      [7, 'tree'],
      [200, 'car'],
    ] as const)
      a.db.insert(classes).values({ id, name, color: '#123456', position: id }).run();
    const imgs = a.db.select().from(images).orderBy(asc(images.id)).all();
    const data = new Uint8Array(33 * 17).map((_, i) => [0, 3, 7, 200, 3][(i * 5 + (i >> 4)) % 5]);
    a.db
      .insert(annotations)
      .values({
        imageId: imgs[0].id,
        kind: 'mask',
        mask: await encodeClassMask({ data, width: 33, height: 17 }),
        annotator: 'x',
        updatedAt: 1,
      })
      .run();
    const out = join(root, 'out.json');
    await exportSession(a, 'coco', out);
    const b = newSession(root, 'b');
    const rb = await importInto(b, out);
    expect([rb.added, rb.masksSet, rb.classesCreated]).toEqual([2, 1, ['sky', 'tree', 'car']]);
    expect((await masksByPath(b)).get(imgs[0].path)).toEqual(Array.from(data));
    expect(
      b.db
        .select()
        .from(classes)
        .all()
        .map((c) => c.id)
        .sort((x, y) => x - y),
    ).toEqual([3, 7, 200]);
  });

  it('masks: a folder of <id>.png with classes.json, or a tar for HTTP', async () => {
    const root = tmp();
    await makeDemoImages(join(root, 'demo'), { count: 3, seed: 2, size: [32, 24] });
    const s = newSession(root);
    await importInto(s, join(root, 'demo', 'coco.json'));
    const ids = s.db
      .select()
      .from(images)
      .all()
      .map((i) => i.id);
    const dir = join(root, 'masks');
    expect(await exportSession(s, 'masks', dir)).toBeUndefined();
    expect(readdirSync(dir).sort()).toEqual([...ids.map((i) => `${i}.png`), 'classes.json'].sort());
    expect(
      JSON.parse(readFileSync(join(dir, 'classes.json'), 'utf8')).classes.map((c: { name: string }) => c.name),
    ).toEqual(
      s.db
        .select()
        .from(classes)
        .orderBy(asc(classes.position))
        .all()
        .map((c) => c.name),
    );
    const t = await exportSession(s, 'masks');
    expect(Buffer.isBuffer(t)).toBe(true);
    const tarFile = join(root, 'm.tar');
    writeFileSync(tarFile, t!);
    const listed = execFileSync('tar', ['-tf', tarFile], { encoding: 'utf8' }).trim().split('\n');
    expect(listed.sort()).toEqual([...ids.map((i) => `masks/${i}.png`), 'masks/classes.json'].sort());
    const x = join(root, 'x');
    mkdirSync(x);
    execFileSync('tar', ['-xf', tarFile, '-C', x]);
    for (const f of readdirSync(join(x, 'masks')))
      expect(readFileSync(join(x, 'masks', f))).toEqual(readFileSync(join(dir, basename(f))));
    expect(existsSync(join(x, 'masks', 'classes.json'))).toBe(true);
  });
});
