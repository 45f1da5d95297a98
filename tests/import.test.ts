import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  symlinkSync,
  writeFileSync,
  readFileSync,
  chmodSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asc } from 'drizzle-orm';
import { annotations, classes, events, images, type ImageRow } from '../server/db/schema.ts';
import { importInto, type ImportReport } from '../server/import/import.ts';
import { decodeClassMask, rleEncode, rleToString } from '../server/masks.ts';
import { closeSession, getSetting, getTask, openSession, setSetting, type Session } from '../server/session.ts';
import { createDemoSession } from '../scripts/make-demo.ts';

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'hilt-import-'));
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

/** Seeded noise picture: every call with a different seed gives different bytes. */
function noise(w: number, h: number, seed: number, channels = 3) {
  const px = Buffer.alloc(w * h * channels);
  let s = (seed * 2654435761) >>> 0;
  for (let i = 0; i < px.length; i++) {
    s = (s * 1664525 + 1013904223) >>> 0;
    px[i] = s >>> 24;
  }
  return sharp(px, { raw: { width: w, height: h, channels: channels as 3 } });
}
const put = async (file: string, p: Promise<Buffer> | Buffer) => {
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, await p);
};

describe('import of a messy folder', () => {
  const root = tmp(),
    src = join(root, 'photos');
  let jpg: Buffer, session: Session, report: ImportReport, rows: ImageRow[];
  const progress: number[] = [];
  const byName = (n: string) => rows.find((r) => r.path === join(src, n))!;

  beforeAll(async () => {
    jpg = await noise(64, 48, 1).jpeg().toBuffer();
    await put(join(src, 'a.jpg'), jpg);
    await put(join(src, 'b.png'), noise(30, 20, 2).png().toBuffer());
    await put(join(src, 'c.webp'), noise(30, 20, 3).webp().toBuffer());
    await put(join(src, 'nested/deeper/d.jpeg'), noise(600, 300, 4).jpeg().toBuffer());
    await put(join(src, 'UPPER.JPG'), noise(20, 20, 5).jpeg().toBuffer());
    await put(join(src, 'UP2.PNG'), noise(20, 20, 6).png().toBuffer());
    await put(join(src, 'e.WEBP'), noise(20, 20, 7).webp().toBuffer());
    await put(join(src, 'f.TIF'), noise(20, 20, 8).tiff().toBuffer());
    await put(join(src, 'g.GIF'), noise(20, 20, 9).gif().toBuffer());
    await put(join(src, 'nested/h.JPEG'), noise(20, 20, 10).jpeg().toBuffer());
    await put(join(src, 'rotated.jpg'), noise(80, 40, 11).jpeg().withMetadata({ orientation: 6 }).toBuffer());
    await put(join(src, 'cmyk.jpg'), noise(32, 24, 12).toColourspace('cmyk').jpeg().toBuffer());
    await put(join(src, 'sixteen.png'), noise(32, 24, 13).toColourspace('rgb16').png().toBuffer());
    // broken ones
    const corrupt = Buffer.from(jpg);
    const sos = corrupt.indexOf(Buffer.from([0xff, 0xda]));
    for (let i = sos + 20, s = 99; i < corrupt.length - 2; i++) {
      s = (s * 1103515245 + 12345) >>> 0;
      corrupt[i] = s >>> 24;
    }
    await put(join(src, 'corrupt.jpg'), corrupt);
    const png = await noise(40, 40, 14).png().toBuffer();
    await put(join(src, 'truncated.png'), png.subarray(0, Math.floor(png.length / 2)));
    await put(join(src, 'text.jpg'), Buffer.from('this is not a picture\n'));
    await put(join(src, 'nested/empty.png'), Buffer.alloc(0));
    symlinkSync(join(src, 'nowhere.jpg'), join(src, 'gone.jpg'));
    await put(join(src, 'nested/copy-of-a.jpg'), jpg);
    await put(join(src, 'notes.txt'), Buffer.from('not an image name: ignored'));
    await put(join(src, '.hidden.jpg'), Buffer.from('dotfiles are ignored'));

    session = newSession(root);
    report = await importInto(session, src, { onProgress: (d, t) => progress.push(d / t) });
    rows = session.db.select().from(images).orderBy(asc(images.id)).all();
  });

  it('reports exact counts and skip reasons', () => {
    expect(report.format).toBe('folder');
    expect(report.added).toBe(13);
    expect(report.alreadyPresent).toBe(0);
    expect(report.duplicates).toEqual([{ file: join(src, 'nested/copy-of-a.jpg'), sameAs: join(src, 'a.jpg') }]);
    const reasons = Object.fromEntries(report.skipped.map((s) => [s.file.slice(src.length + 1), s.reason]));
    expect(reasons).toEqual({
      'corrupt.jpg': 'corrupt',
      'truncated.png': 'corrupt',
      'text.jpg': 'not-an-image',
      'nested/empty.png': 'empty',
      'gone.jpg': 'missing',
    });
    expect(report.skipped.every((s) => typeof s.detail === 'string')).toBe(true);
    expect(progress.at(-1)).toBe(1);
  });

  it('stores absolute paths, oriented sizes, sha256 and byte counts, and no row for a skipped file', () => {
    expect(rows).toHaveLength(13);
    expect(rows.every((r) => r.path.startsWith('/') && existsSync(r.path))).toBe(true);
    expect(rows.some((r) => /corrupt|truncated|text|empty|copy-of-a/.test(r.path))).toBe(false);
    expect([byName('rotated.jpg').width, byName('rotated.jpg').height]).toEqual([40, 80]);
    expect([byName('cmyk.jpg').width, byName('sixteen.png').height]).toEqual([32, 24]);
    expect(byName('a.jpg').sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(byName('a.jpg').bytes).toBe(jpg.length);
  });

  it('writes a 256 px WebP thumbnail per image, EXIF-rotated', async () => {
    for (const r of rows) expect(existsSync(join(session.dir, 'thumbs', `${r.id}.webp`))).toBe(true);
    const big = await sharp(join(session.dir, 'thumbs', `${byName('nested/deeper/d.jpeg').id}.webp`)).metadata();
    expect([big.format, big.width, big.height]).toEqual(['webp', 256, 128]);
    const rot = await sharp(join(session.dir, 'thumbs', `${byName('rotated.jpg').id}.webp`)).metadata();
    expect([rot.width, rot.height]).toEqual([40, 80]);
  });

  it('re-importing the same folder adds nothing', async () => {
    const again = await importInto(session, src);
    expect(again.added).toBe(0);
    expect(again.alreadyPresent).toBe(13);
    expect(again.duplicates).toHaveLength(1);
    expect(again.skipped).toHaveLength(5);
    expect(session.db.select().from(images).all()).toHaveLength(13);
  });

  it('copies files into the session with copy: true, and a re-import finds them present', async () => {
    const s2 = newSession(root, 'copied');
    const r = await importInto(s2, src, { copy: true });
    expect([r.added, r.duplicates.length, r.skipped.length]).toEqual([13, 1, 5]);
    const paths = s2.db
      .select()
      .from(images)
      .all()
      .map((x) => x.path);
    expect(paths.every((p) => p.startsWith(join(s2.dir, 'images') + '/') && existsSync(p))).toBe(true);
    const again = await importInto(s2, src, { copy: true });
    expect([again.added, again.alreadyPresent, again.duplicates.length]).toEqual([0, 13, 1]);
  });

  it('reports an unreadable file', async () => {
    // chmod 000 does not stop root (CI runs as root): a directory where the CSV names a file can't be read by anyone
    const d = join(tmp(), 'locked');
    await put(join(d, 'ok.jpg'), noise(8, 8, 50).jpeg().toBuffer());
    mkdirSync(join(d, 'x.jpg'));
    writeFileSync(join(d, 'list.csv'), 'path,label\nok.jpg,a\nx.jpg,a\n');
    const r = await importInto(newSession(d, 'locked'), join(d, 'list.csv'));
    expect(r.added).toBe(1);
    expect(r.skipped.map((s) => [s.file, s.reason])).toEqual([[join(d, 'x.jpg'), 'unreadable']]);
  });
});

describe('class-folders', () => {
  it('creates classes and labels, locks the task to classification', async () => {
    const root = tmp(),
      src = join(root, 'pets');
    for (const [i, f] of ['cat/1.jpg', 'cat/2.jpg', 'dog/1.jpg', 'dog/2.PNG', 'dog/3.jpg'].entries()) {
      await put(
        join(src, f),
        noise(16, 16, 100 + i)
          .png()
          .toBuffer(),
      );
    }
    await put(join(src, 'dog/bad.jpg'), Buffer.from('nope'));
    const s = newSession(root);
    const r = await importInto(s, src);
    expect([r.format, r.added, r.labelsSet, r.skipped.length]).toEqual(['class-folders', 5, 5, 1]);
    expect(r.classesCreated).toEqual(['cat', 'dog']);
    expect(getTask(s.db)).toBe('classification');
    const cls = s.db.select().from(classes).orderBy(asc(classes.position)).all();
    expect(cls.map((c) => [c.name, c.position])).toEqual([
      ['cat', 0],
      ['dog', 1],
    ]);
    expect(cls[0].color).not.toBe(cls[1].color);
    const anns = s.db.select().from(annotations).all();
    expect(anns.every((a) => a.kind === 'label' && a.annotator === 'import')).toBe(true);
    expect(anns.filter((a) => a.classId === cls[1].id)).toHaveLength(3);
    expect(s.db.select().from(events).all()).toHaveLength(5);
    // re-import: nothing new, labels untouched
    const again = await importInto(s, src);
    expect([again.added, again.alreadyPresent, again.labelsSet, again.classesCreated.length]).toEqual([0, 5, 0, 0]);
  });

  it('imports images only when the session is locked to segmentation, and says so', async () => {
    const root = tmp(),
      src = join(root, 'pets');
    await put(join(src, 'cat/1.jpg'), noise(16, 16, 200).jpeg().toBuffer());
    await put(join(src, 'dog/1.jpg'), noise(16, 16, 201).jpeg().toBuffer());
    const s = newSession(root);
    setSetting(s.db, 'task', 'segmentation');
    const r = await importInto(s, src);
    expect([r.added, r.labelsSet, r.classesCreated.length]).toEqual([2, 0, 0]);
    expect(r.warnings.join()).toMatch(/segmentation/);
    expect(s.db.select().from(classes).all()).toHaveLength(0);
  });

  it('is not detected with a single subfolder or loose files at the top', async () => {
    const root = tmp(),
      src = join(root, 'p');
    await put(join(src, 'only/1.jpg'), noise(16, 16, 300).jpeg().toBuffer());
    await put(join(src, 'only/2.jpg'), noise(16, 16, 301).jpeg().toBuffer());
    expect((await importInto(newSession(root), src)).format).toBe('folder');
  });
});

describe('CSV', () => {
  it('reads path,label relative to the CSV, reports a missing file, leaves empty labels unlabelled', async () => {
    const root = tmp(),
      src = join(root, 'data');
    for (const [i, f] of ['imgs/x1.jpg', 'imgs/x2.jpg', 'imgs/with,comma.jpg', 'imgs/x3.jpg'].entries()) {
      await put(
        join(src, f),
        noise(16, 16, 400 + i)
          .jpeg()
          .toBuffer(),
      );
    }
    writeFileSync(
      join(src, 'labels.csv'),
      'path,label\r\nimgs/x1.jpg,cat\r\nimgs/x2.jpg,dog\r\nimgs/missing.jpg,cat\r\n"imgs/with,comma.jpg",dog\r\nimgs/x3.jpg,\r\n',
    );
    const s = newSession(root);
    const r = await importInto(s, join(src, 'labels.csv'));
    expect([r.format, r.added, r.labelsSet]).toEqual(['csv', 4, 3]);
    expect(r.skipped).toMatchObject([{ file: join(src, 'imgs/missing.jpg'), reason: 'missing' }]);
    expect(r.classesCreated).toEqual(['cat', 'dog']);
    expect(s.db.select().from(annotations).all()).toHaveLength(3);
  });

  it('works without a header, with absolute paths, and labels images imported before', async () => {
    const root = tmp(),
      src = join(root, 'data');
    await put(join(src, 'a.jpg'), noise(16, 16, 500).jpeg().toBuffer());
    await put(join(src, 'b.jpg'), noise(16, 16, 501).jpeg().toBuffer());
    const s = newSession(root);
    expect((await importInto(s, src)).added).toBe(2);
    writeFileSync(join(root, 'l.csv'), `${join(src, 'a.jpg')},bird\n${join(src, 'b.jpg')},fish\n`);
    const r = await importInto(s, join(root, 'l.csv'));
    expect([r.added, r.alreadyPresent, r.labelsSet]).toEqual([0, 2, 2]);
  });
});

describe('COCO', () => {
  it('turns polygons, compressed and uncompressed RLE into class-index masks and locks segmentation', async () => {
    const root = tmp(),
      src = join(root, 'coco');
    for (const n of [1, 2, 3])
      await put(
        join(src, 'images', `${n}.png`),
        noise(20, 10, 600 + n)
          .png()
          .toBuffer(),
      );
    const blob = new Uint8Array(200); // class "car": rows 6-8 × cols 12-17
    for (let y = 6; y < 9; y++) for (let x = 12; x < 18; x++) blob[y * 20 + x] = 1;
    const counts = rleEncode(blob, 20, 10);
    const coco = {
      images: [1, 2, 3].map((id) => ({ id, file_name: `${id}.png`, width: 20, height: 10 })), // found under images/
      categories: [
        { id: 1, name: 'road' },
        { id: 2, name: 'car' },
        { id: 3, name: 'unused' },
      ],
      annotations: [
        { id: 1, image_id: 1, category_id: 1, segmentation: [[2, 2, 6, 2, 6, 6, 2, 6]], iscrowd: 0 },
        {
          id: 2,
          image_id: 1,
          category_id: 2,
          segmentation: { size: [10, 20], counts: rleToString(counts) },
          iscrowd: 1,
        },
        { id: 3, image_id: 2, category_id: 2, segmentation: { size: [10, 20], counts }, iscrowd: 1 },
        { id: 4, image_id: 3, category_id: 1, bbox: [0, 0, 3, 3] }, // no segmentation: ignored
      ],
    };
    writeFileSync(join(src, 'ann.json'), JSON.stringify(coco));
    const s = newSession(root);
    const r = await importInto(s, join(src, 'ann.json'));
    expect([r.format, r.added, r.masksSet, r.labelsSet]).toEqual(['coco', 3, 2, 0]);
    expect(r.classesCreated).toEqual(['road', 'car']);
    expect(getTask(s.db)).toBe('segmentation');
    const anns = s.db.select().from(annotations).orderBy(asc(annotations.imageId)).all();
    expect(anns.map((a) => a.kind)).toEqual(['mask', 'mask']);
    const m1 = await decodeClassMask(anns[0].mask!);
    expect([m1.width, m1.height]).toEqual([20, 10]);
    const at = (x: number, y: number) => m1.data[y * 20 + x];
    expect([at(2, 2), at(5, 5), at(6, 6), at(12, 6), at(17, 8), at(0, 0)]).toEqual([1, 1, 0, 2, 2, 0]);
    expect(m1.data.filter((v) => v === 1)).toHaveLength(16);
    expect(m1.data.filter((v) => v === 2)).toHaveLength(18);
    const m2 = await decodeClassMask(anns[1].mask!);
    expect(Array.from(m2.data)).toEqual(Array.from(blob).map((v) => v * 2));
    expect(r.warnings.join()).toMatch(/without segmentation/);
    expect(getSetting(s.db, 'task')).toBe('segmentation');
  });

  it('skips a mask whose COCO size is not the image size', async () => {
    const root = tmp(),
      src = join(root, 'coco');
    await put(join(src, 'a.png'), noise(20, 10, 700).png().toBuffer());
    writeFileSync(
      join(src, 'c.json'),
      JSON.stringify({
        images: [{ id: 1, file_name: 'a.png', width: 10, height: 10 }],
        categories: [{ id: 1, name: 'x' }],
        annotations: [{ image_id: 1, category_id: 1, segmentation: [[0, 0, 5, 0, 5, 5]] }],
      }),
    );
    const r = await importInto(newSession(root), join(src, 'c.json'));
    expect([r.added, r.masksSet]).toEqual([1, 0]);
    expect(r.warnings.join()).toMatch(/not the image's 20×10/);
  });
});

describe('demo session', () => {
  it('generates shapes data with ground truth and imports it unlabelled with class presets', async () => {
    const root = tmp();
    const dataDir = join(root, 'data', 'demo');
    const r = await createDemoSession(join(root, 'sessions'), 'demo', { count: 8, size: [64, 48], dataDir });
    expect(r.created).toBe(true);
    expect(r.report!.added).toBe(8);
    const labels = readFileSync(join(dataDir, 'labels.csv'), 'utf8').trim().split('\n');
    expect(labels[0]).toBe('path,label');
    expect(new Set(labels.slice(1).map((l) => l.split(',')[1]))).toEqual(
      new Set(['circle', 'square', 'triangle', 'star']),
    );
    const s = openSession(join(root, 'sessions'), 'demo');
    sessions.push(s);
    expect(s.db.select().from(images).all()).toHaveLength(8);
    expect(s.db.select().from(annotations).all()).toHaveLength(0);
    expect(getTask(s.db)).toBeNull();
    const presets = getSetting<{ segmentation: { name: string }[]; classification: unknown[] }>(s.db, 'presets')!;
    expect(presets.segmentation[0].name).toBe('background');
    expect(presets.classification).toHaveLength(4);
    expect(
      (await createDemoSession(join(root, 'sessions'), 'demo', { count: 8, size: [64, 48], dataDir })).created,
    ).toBe(false);
    // deterministic for a seed
    const other = join(root, 'again');
    await createDemoSession(join(root, 'sessions2'), 'demo', { count: 8, size: [64, 48], dataDir: other });
    expect(readFileSync(join(other, 'images', 'img-0003.jpg'))).toEqual(
      readFileSync(join(dataDir, 'images', 'img-0003.jpg')),
    );
    expect(JSON.parse(readFileSync(join(dataDir, 'coco.json'), 'utf8')).categories).toHaveLength(4);
  });
});
