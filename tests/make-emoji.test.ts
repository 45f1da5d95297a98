// scripts/make-emoji.ts on tiny fixtures in the two packages' layouts (emoji-datasource-google: package/emoji.json +
// package/img/google/64/<unified>.png; openmoji: package/data/openmoji.json + package/color/svg/<hexcode>.svg),
// packed as npm packs them (package/…), so no network and no 74 MB download.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { HELP, makeEmoji, slug, SOURCES, whiteRgb } from '../scripts/make-emoji.ts';
import { integrityOf } from '../trainer/onnx/npm-package.ts';
import { tempDir } from './helpers/fixtures.ts';

const CLASS_IDS: Record<string, number> = {
  'smileys-emotion': 1,
  'people-body': 2,
  'animals-nature': 3,
  'food-drink': 4,
};
/** the opaque centre's colour of the emoji ranked `rank` in its class: the written file's centre must show it */
const colour = (label: string, rank: number) => [CLASS_IDS[label] * 50, 20 + rank * 30, 200] as const;
/** colours of pictures that must never be written: skin-tone variants, Component, extras-* */
const SKIN = [7, 7, 7],
  COMPONENT = [9, 9, 9],
  EXTRA = [11, 11, 11];

/** side×side RGBA: fully transparent BLACK (0,0,0,0) around an opaque centre square */
function png(side: number, rgb: readonly number[]): Promise<Buffer> {
  const px = Buffer.alloc(side * side * 4);
  for (let y = side / 4; y < (3 * side) / 4; y++)
    for (let x = side / 4; x < (3 * side) / 4; x++) px.set([...rgb, 255], (y * side + x) * 4);
  return sharp(px, { raw: { width: side, height: side, channels: 4 } })
    .png()
    .toBuffer();
}
const svg = (rgb: readonly number[]) =>
  `<svg id="emoji" viewBox="0 0 72 72" xmlns="http://www.w3.org/2000/svg"><rect x="18" y="18" width="36" height="36" fill="rgb(${rgb.join(',')})"/></svg>`;

function pack(root: string, name: string): string {
  execFileSync('tar', ['-czf', join(root, `${name}.tgz`), '-C', root, 'package']);
  return join(root, `${name}.tgz`);
}

/** google: 6 smileys, 3 people (one with a skin-tone variant whose PNG is in the package), 4 animals and a copy of
 *  the first one's picture, 1 Component; emoji.json in a different order from sort_order */
async function googleFixture(root: string): Promise<string> {
  const img = join(root, 'package', 'img', 'google', '64');
  mkdirSync(img, { recursive: true });
  const spec: [string, number][] = [
    ['Smileys & Emotion', 6],
    ['People & Body', 3],
    ['Animals & Nature', 4],
  ];
  const emoji: Record<string, unknown>[] = [];
  let code = 0x1f600,
    order = 100;
  for (const [category, n] of spec) {
    for (let r = 0; r < n; r++) {
      const unified = (code++).toString(16).toUpperCase();
      emoji.push({
        name: `E${unified}`,
        unified,
        image: `${unified.toLowerCase()}.png`,
        category,
        subcategory: 'x',
        sort_order: order - r,
        has_img_google: true,
      });
      writeFileSync(join(img, `${unified.toLowerCase()}.png`), await png(64, colour(slug(category), n - 1 - r)));
    }
    order += 100;
  }
  const waving = emoji.find((e) => e.category === 'People & Body')!;
  waving.skin_variations = {
    '1F3FB': {
      unified: `${waving.unified}-1F3FB`,
      image: `${String(waving.unified).toLowerCase()}-1f3fb.png`,
      has_img_google: true,
    },
  };
  writeFileSync(join(img, `${String(waving.unified).toLowerCase()}-1f3fb.png`), await png(64, SKIN));
  // a later animal drawn exactly like the first one: kept once
  emoji.push({
    name: 'SAME ANIMAL',
    unified: '1F9FF',
    image: '1f9ff.png',
    category: 'Animals & Nature',
    sort_order: 999,
    has_img_google: true,
  });
  writeFileSync(join(img, '1f9ff.png'), await png(64, colour('animals-nature', 0)));
  emoji.push({
    name: 'EMOJI MODIFIER FITZPATRICK TYPE-1-2',
    unified: '1F3FB',
    image: '1f3fb.png',
    category: 'Component',
    sort_order: 1,
    has_img_google: true,
  });
  writeFileSync(join(img, '1f3fb.png'), await png(64, COMPONENT));
  writeFileSync(join(root, 'package', 'emoji.json'), JSON.stringify(emoji.reverse()));
  writeFileSync(
    join(root, 'package', 'package.json'),
    JSON.stringify({ name: 'emoji-datasource-google', version: '16.0.0' }),
  );
  return pack(root, 'emoji-datasource-google-16.0.0');
}

/** openmoji: 3 smileys, 2 people (+ a skin-tone entry), 2 food, 1 component, 1 extras-openmoji */
function openmojiFixture(root: string, crossClassCopy = false): string {
  const dir = join(root, 'package', 'color', 'svg');
  mkdirSync(dir, { recursive: true });
  mkdirSync(join(root, 'package', 'data'), { recursive: true });
  const rows: Record<string, unknown>[] = [];
  const add = (hexcode: string, group: string, rgb: readonly number[], skintone: number | '' = '') => {
    rows.push({
      emoji: '?',
      hexcode,
      group,
      subgroups: 'x',
      annotation: hexcode,
      skintone,
      skintone_base_hexcode: skintone ? hexcode.split('-')[0] : '',
      order: rows.length + 1,
    });
    writeFileSync(join(dir, `${hexcode}.svg`), svg(rgb));
  };
  ['1F600', '1F601', '1F602'].forEach((h, r) => add(h, 'smileys-emotion', colour('smileys-emotion', r)));
  add('1F44B', 'people-body', colour('people-body', 0));
  add('1F44B-1F3FB', 'people-body', SKIN, 1);
  add('1F44C', 'people-body', colour('people-body', 1));
  ['1F347', '1F348'].forEach((h, r) => add(h, 'food-drink', colour('food-drink', r)));
  if (crossClassCopy) add('1F349', 'food-drink', colour('smileys-emotion', 0));
  add('1F3FB', 'component', COMPONENT);
  add('E000', 'extras-openmoji', EXTRA);
  writeFileSync(join(root, 'package', 'data', 'openmoji.json'), JSON.stringify(rows));
  return pack(root, 'openmoji-17.0.0');
}

/** [relative path, sha256] of every written file, in labels.csv order */
const hashes = (out: { dir: string; items: { file: string }[] }) =>
  out.items.map((it) => [
    it.file.slice(out.dir.length + 1),
    createHash('sha256').update(readFileSync(it.file)).digest('hex'),
  ]);
const count = (items: { label: string }[]) =>
  Object.fromEntries(
    [...new Set(items.map((it) => it.label))].map((l) => [l, items.filter((it) => it.label === l).length]),
  );

/** the written picture's size, channels, corner and centre pixel */
async function look(file: string) {
  const { data, info } = await sharp(file).raw().toBuffer({ resolveWithObject: true });
  const at = (x: number, y: number) => [
    ...data.subarray((y * info.width + x) * info.channels, (y * info.width + x) * info.channels + info.channels),
  ];
  return {
    side: [info.width, info.height],
    channels: info.channels,
    corner: at(0, 0),
    centre: at(info.width >> 1, info.height >> 1),
  };
}

describe('make-emoji', () => {
  it('slugs categories, pins both packages and documents sources and white flattening', () => {
    expect(slug('Smileys & Emotion')).toBe('smileys-emotion');
    expect(slug('Travel & Places')).toBe('travel-places');
    expect(slug('animals-nature')).toBe('animals-nature');
    expect(SOURCES.google.package).toMatchObject({ name: 'emoji-datasource-google', version: '16.0.0' });
    expect(SOURCES.openmoji.package).toMatchObject({ name: 'openmoji', version: '17.0.0' });
    expect(HELP).toMatch(/--source google\|openmoji/);
    expect(HELP).toMatch(/--tarball PATH/);
    expect(HELP).toMatch(/npm pack/);
    expect(HELP).toMatch(/flattened onto WHITE/);
  });

  it('google: base emoji only, one class per category, balanced, flattened onto white, same files for the same seed', async () => {
    const root = tempDir('hilt-emoji-');
    const tgz = await googleFixture(root);
    const o = { source: 'google' as const, tarball: tgz, integrity: integrityOf(tgz) };
    const a = await makeEmoji(join(root, 'a'), { ...o, count: 6, seed: 3 });
    expect(count(a.items)).toEqual({ 'animals-nature': 2, 'people-body': 2, 'smileys-emotion': 2 });
    const csv = readFileSync(join(a.dir, 'labels.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe('path,label');
    expect(csv.slice(1)).toEqual(a.items.map((it) => `${it.file.slice(a.dir.length + 1)},${it.label}`));
    for (const it of a.items) {
      const rank = Number(/-(\d{4})\.png$/.exec(it.file)![1]);
      const p = await look(it.file);
      expect(p).toEqual({ side: [64, 64], channels: 3, corner: [255, 255, 255], centre: [...colour(it.label, rank)] });
    }
    // deterministic: same (count, seed) → byte-identical files; another seed draws others
    const b = await makeEmoji(join(root, 'b'), { ...o, count: 6, seed: 3 });
    expect(hashes(b)).toEqual(hashes(a));
    const c = await makeEmoji(join(root, 'c'), { ...o, count: 6, seed: 4 });
    expect(hashes(c).map(([f]) => f)).not.toEqual(hashes(a).map(([f]) => f));
    // asking for more than there is: every distinct base emoji picture once; the skin-tone variant and Component never
    const all = await makeEmoji(join(root, 'all'), { ...o, count: 300, seed: 1 });
    expect(count(all.items)).toEqual({ 'animals-nature': 4, 'people-body': 3, 'smileys-emotion': 6 });
    const centres = await Promise.all(all.items.map(async (it) => (await look(it.file)).centre));
    expect(centres).not.toContainEqual(SKIN);
    expect(centres).not.toContainEqual(COMPONENT);
    expect(new Set(centres.map(String)).size).toBe(13);
    // the stamp: the same arguments read the list back without the package
    const again = await makeEmoji(join(root, 'a'), {
      source: 'google',
      count: 6,
      seed: 3,
      tarball: join(root, 'missing.tgz'),
    });
    expect(again.items).toEqual(a.items);
  });

  it('openmoji: SVGs rendered at 72×72 on white; skin tones, component and extras-* left out', async () => {
    const root = tempDir('hilt-emoji-');
    const tgz = openmojiFixture(root);
    const o = { source: 'openmoji' as const, tarball: tgz, integrity: integrityOf(tgz) };
    const a = await makeEmoji(join(root, 'a'), { ...o, count: 4, seed: 1 });
    expect(count(a.items)).toEqual({ 'food-drink': 2, 'people-body': 1, 'smileys-emotion': 1 });
    const all = await makeEmoji(join(root, 'all'), { ...o, count: 100, seed: 1 });
    expect(count(all.items)).toEqual({ 'food-drink': 2, 'people-body': 2, 'smileys-emotion': 3 });
    for (const it of all.items) {
      const rank = Number(/-(\d{4})\.png$/.exec(it.file)![1]);
      expect(await look(it.file)).toEqual({
        side: [72, 72],
        channels: 3,
        corner: [255, 255, 255],
        centre: [...colour(it.label, rank)],
      });
    }
    const b = await makeEmoji(join(root, 'b'), { ...o, count: 4, seed: 1 });
    expect(hashes(b)).toEqual(hashes(a));
  });

  it('refuses a tarball whose sha512 is not the pinned one; takes a verified copy from the npm pack cache', async () => {
    const root = tempDir('hilt-emoji-');
    const tgz = openmojiFixture(root);
    await expect(makeEmoji(join(root, 'x'), { source: 'openmoji', tarball: tgz })).rejects.toThrow(
      /sha512 mismatch.*refusing/,
    );
    const bad = join(root, 'bad.tgz');
    const bytes = readFileSync(tgz);
    bytes[bytes.length - 9] ^= 1;
    writeFileSync(bad, bytes);
    await expect(
      makeEmoji(join(root, 'y'), { source: 'openmoji', tarball: bad, integrity: integrityOf(tgz) }),
    ).rejects.toThrow(/sha512 mismatch/);
    await expect(
      makeEmoji(join(root, 'z'), { source: 'openmoji', tarball: root, integrity: integrityOf(tgz) }),
    ).rejects.toThrow(/is a folder/);
    const cache = join(root, 'cache');
    mkdirSync(cache);
    copyFileSync(tgz, join(cache, 'openmoji-17.0.0.tgz'));
    const d = await makeEmoji(join(root, 'd'), {
      source: 'openmoji',
      count: 3,
      cacheDir: cache,
      integrity: integrityOf(tgz),
    });
    expect(d.items).toHaveLength(3);
  });

  it('the same picture in two classes is an error', async () => {
    const root = tempDir('hilt-emoji-');
    const tgz = openmojiFixture(root, true);
    await expect(
      makeEmoji(join(root, 'a'), { source: 'openmoji', tarball: tgz, integrity: integrityOf(tgz) }),
    ).rejects.toThrow(/1F600\.svg \(smileys-emotion\) and .*1F349\.svg \(food-drink\) are the same picture/);
  });

  it('a picture that is blank once flattened is an error', async () => {
    await expect(whiteRgb(await png(64, []), 64, 'blank.png')).rejects.toThrow(/blank\.png: blank/);
    expect([...(await whiteRgb(await png(64, [0, 0, 0]), 64, 'black.png')).subarray(0, 3)]).toEqual([255, 255, 255]);
  });
});
