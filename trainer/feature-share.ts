// Features shared between sessions that hold the same images: a session's store that lacks an image looks
// in the stores of the other session folders beside it (archived ones included) with the same cache key
// (backbone, input size, mode, dtype) for a row made from the same bytes (sha256), and appends a copy under
// its own image id. The other stores are only read: no lock is taken (another trainer may be appending), a
// record counts only when it is complete and its data matches its crc32, and nothing there is written.
import { closeSync, fstatSync, openSync, readSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { crc32 } from 'node:zlib';
import { FeatureStore, MAGIC, RECORD, type Shape } from './feature-store.ts';
import { shaBytes } from './feature-index.ts';
import type { Keyed } from './features.ts';

/** other sessions' stores read per call, the most recently written first */
const MAX_SOURCES = 16;
/** index bytes read per call over all sources (1M rows of index are 64 MB) */
const MAX_INDEX_BYTES = 256 << 20;
/** index records read per positioned read */
const BLOCK = 4096;

const hex = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, 32).toString('hex');

/**
 * Copy into `store` (of the session in `sessionDir`, cache key folder `keyDir`) the rows of `wanted` images
 * found in the other sessions' stores of the same key. Returns the ids of the images copied.
 */
export function shareFeatures(store: FeatureStore, sessionDir: string, keyDir: string, wanted: Keyed[]): number[] {
  const need = new Map<string, Keyed[]>(); // sha256 (hex) → images of this session made from those bytes
  for (const i of wanted) {
    const k = hex(shaBytes(i.sha256));
    const list = need.get(k);
    if (list) list.push(i);
    else need.set(k, [i]);
  }
  if (!need.size) return [];
  const parent = dirname(sessionDir),
    self = basename(sessionDir),
    storeName = basename(store.dir).replace(/\.pid\d+$/, ''); // `<kind>-<dtype>`, a private store's too
  let names: string[];
  try {
    names = readdirSync(parent);
  } catch {
    return [];
  }
  const sources: { dir: string; mtime: number }[] = [];
  for (const n of names) {
    if (n === self) continue;
    const dir = join(parent, n, 'features', keyDir, storeName);
    try {
      sources.push({ dir, mtime: statSync(join(dir, 'rows.idx')).mtimeMs });
    } catch {
      // no store of this key there
    }
  }
  sources.sort((a, b) => b.mtime - a.mtime);
  const expectD = store.index.records ? store.index.shape(0).d : 0;
  const copied: number[] = [];
  const budget = { bytes: MAX_INDEX_BYTES };
  for (const src of sources.slice(0, MAX_SOURCES)) {
    if (!need.size || budget.bytes < RECORD) break;
    try {
      copyFrom(src.dir, store, need, expectD, copied, budget);
    } catch {
      // unreadable (removed or truncated meanwhile): the next source
    }
  }
  return copied;
}

function copyFrom(
  dir: string,
  store: FeatureStore,
  need: Map<string, Keyed[]>,
  expectD: number,
  out: number[],
  budget: { bytes: number },
) {
  const idx = openSync(join(dir, 'rows.idx'), 'r');
  let data = -1;
  try {
    data = openSync(join(dir, 'rows.bin'), 'r');
    const n = Math.min(Math.floor(fstatSync(idx).size / RECORD), Math.floor(budget.bytes / RECORD));
    budget.bytes -= n * RECORD;
    // the newest complete record of each wanted sha
    const found = new Map<string, { offset: number; len: number; crc: number; shape: Shape }>();
    const buf = Buffer.alloc(Math.min(n, BLOCK) * RECORD);
    scan: for (let r0 = 0; r0 < n; r0 += BLOCK) {
      const k = Math.min(BLOCK, n - r0);
      if (readSync(idx, buf, 0, k * RECORD, r0 * RECORD) < k * RECORD) break;
      for (let j = 0; j < k; j++) {
        const o = j * RECORD;
        if (buf.readUInt32LE(o) !== MAGIC) break scan; // a torn tail: nothing after it is trusted
        const sha = buf.toString('hex', o + 32, o + 64);
        if (!need.has(sha)) continue;
        found.set(sha, {
          offset: buf.readDoubleLE(o + 16),
          len: buf.readUInt32LE(o + 24),
          crc: buf.readUInt32LE(o + 28),
          shape: { h: buf.readUInt16LE(o + 12), w: buf.readUInt16LE(o + 14), d: buf.readUInt32LE(o + 8) },
        });
      }
    }
    const pooled = /^pooled-/.test(basename(store.dir));
    for (const [sha, rec] of [...found].sort((a, b) => a[1].offset - b[1].offset)) {
      const { h, w, d } = rec.shape;
      if (rec.len !== h * w * d * store.bytesPerValue || !rec.len) continue;
      if ((expectD && d !== expectD) || (pooled && (h !== 1 || w !== 1))) continue;
      const bytes = Buffer.alloc(rec.len);
      if (readSync(data, bytes, 0, rec.len, rec.offset) !== rec.len || crc32(bytes) !== rec.crc) continue;
      for (const img of need.get(sha)!) {
        if (store.has(img.id, img.sha256)) continue;
        store.putEncoded(img.id, img.sha256, bytes, rec.shape);
        out.push(img.id);
      }
      need.delete(sha);
    }
  } finally {
    closeSync(idx);
    if (data >= 0) closeSync(data);
  }
}
