// One append-only feature file per backbone and mode: `rows.bin` holds every image's features
// (fp16 or f32, a row per image, or a patch grid), `rows.idx` a 64-byte record per row (image id, sha256,
// shape, offset, crc32). Rows are buffered and appended a chunk at a time, data before index, so a
// crash loses at most the chunk not yet written; on open the tail is checked and cut at the first bad
// record. Reads are positioned reads of one row or of a contiguous run of rows: memory holds the index
// and one chunk, not the features (1M × 768 fp16 is 1.5 GB on disk, ~100 MB of index in memory).
import {
  closeSync,
  existsSync,
  fstatSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { RowIndex, shaBytes, type Shape } from './feature-index.ts';
import { lockStore } from './store-lock.ts';
import { decodeHalfInto, encodeHalf } from './fp16.ts';

export type Dtype = 'f16' | 'f32';
export type { Shape } from './feature-index.ts';
export const RECORD = 64;
export const MAGIC = 0x31524648; // 'HFR1'
/** records re-checked against their data on open: a torn write can only be at the tail */
const TAIL_CHECK = 1024;

export class FeatureStore {
  readonly index = new RowIndex();
  private data: number;
  private idx: number;
  private dataEnd = 0;
  private pending: { id: number; sha: Uint8Array; bytes: Uint8Array; shape: Shape }[] = [];
  private pendingBytes = 0;
  private pendingRow = new Map<number, number>(); // image id → position in pending
  readonly bytesPerValue: number;

  private release: () => void;

  constructor(
    readonly dir: string,
    readonly dtype: Dtype,
    private opts: { chunkRows?: number; chunkBytes?: number } = {},
  ) {
    mkdirSync(dir, { recursive: true });
    const release = lockStore(dir);
    if (!release) throw new StoreBusy(dir);
    this.release = release;
    const meta = join(dir, 'meta.json');
    let held: Dtype | null = null;
    try {
      held = (JSON.parse(readFileSync(meta, 'utf8')) as { dtype: Dtype }).dtype ?? null;
    } catch {
      // missing, or cut short by a crash: written again below
    }
    if (held && held !== dtype) {
      release();
      throw new Error(`${dir} holds ${held} features, not ${dtype}`);
    }
    if (!held) {
      // written whole or not at all (a reader never sees it half written)
      const tmp = `${meta}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify({ version: 1, dtype }));
      renameSync(tmp, meta);
    }
    this.bytesPerValue = dtype === 'f16' ? 2 : 4;
    this.data = openSync(join(dir, 'rows.bin'), existsSync(join(dir, 'rows.bin')) ? 'r+' : 'w+');
    this.idx = openSync(join(dir, 'rows.idx'), existsSync(join(dir, 'rows.idx')) ? 'r+' : 'w+');
    this.load();
  }

  /** Read the index, drop a torn tail (a partial record, data past the end, a bad checksum). */
  private load(): void {
    const dataSize = fstatSync(this.data).size;
    const n = Math.floor(fstatSync(this.idx).size / RECORD);
    const buf = Buffer.alloc(n * RECORD);
    if (n) readSync(this.idx, buf, 0, buf.length, 0);
    let good = 0;
    for (let r = 0; r < n; r++) {
      const o = r * RECORD;
      if (buf.readUInt32LE(o) !== MAGIC) break;
      const offset = buf.readDoubleLE(o + 16),
        len = buf.readUInt32LE(o + 24);
      if (offset + len > dataSize) break;
      if (r >= n - TAIL_CHECK) {
        const row = Buffer.alloc(len);
        readSync(this.data, row, 0, len, offset);
        if (crc32(row) !== buf.readUInt32LE(o + 28)) break;
      }
      this.index.add(
        buf.readUInt32LE(o + 4),
        buf.subarray(o + 32, o + 64),
        { h: buf.readUInt16LE(o + 12), w: buf.readUInt16LE(o + 14), d: buf.readUInt32LE(o + 8) },
        offset,
        len,
      );
      good++;
    }
    this.dataEnd = good ? this.index.end() : 0;
    if (good < n || dataSize > this.dataEnd) {
      ftruncateSync(this.idx, good * RECORD);
      ftruncateSync(this.data, this.dataEnd);
    }
  }

  /** rows stored (flushed or pending), counting a re-embedded image once per write */
  get rows(): number {
    return this.index.size + this.pending.length;
  }

  has(id: number, sha: string): boolean {
    return this.pendingRow.has(id)
      ? shaEq(this.pending[this.pendingRow.get(id)!].sha, sha)
      : this.index.matches(id, shaBytes(sha));
  }

  get(id: number, sha: string): { data: Float32Array; shape: Shape } | null {
    const p = this.pendingRow.get(id);
    if (p !== undefined) {
      const row = this.pending[p];
      return shaEq(row.sha, sha) ? { data: this.decode(row.bytes), shape: row.shape } : null;
    }
    const r = this.index.rowOf(id, shaBytes(sha));
    if (r < 0) return null;
    const bytes = Buffer.alloc(this.index.length(r));
    readSync(this.data, bytes, 0, bytes.length, this.index.offset(r));
    return { data: this.decode(bytes), shape: this.index.shape(r) };
  }

  put(id: number, sha: string, values: Float32Array, shape: Shape): void {
    const bytes =
      this.dtype === 'f16'
        ? new Uint8Array(encodeHalf(values).buffer)
        : new Uint8Array(values.buffer.slice(values.byteOffset, values.byteOffset + values.byteLength));
    this.putEncoded(id, sha, bytes, shape);
  }

  /** Append a row already encoded in this store's dtype (a row copied from another store of the same key). */
  putEncoded(id: number, sha: string, bytes: Uint8Array, shape: Shape): void {
    const at = this.pendingRow.get(id);
    const row = { id, sha: new Uint8Array(shaBytes(sha)), bytes, shape };
    if (at !== undefined) {
      this.pendingBytes += bytes.length - this.pending[at].bytes.length;
      this.pending[at] = row;
    } else {
      this.pendingRow.set(id, this.pending.length);
      this.pending.push(row);
      this.pendingBytes += bytes.length;
    }
    if (this.pending.length >= (this.opts.chunkRows ?? 256) || this.pendingBytes >= (this.opts.chunkBytes ?? 4 << 20))
      this.flush();
  }

  /** Append the pending chunk: its data first, then its index records (what makes the rows visible). */
  flush(): void {
    if (!this.pending.length) return;
    const data = Buffer.alloc(this.pendingBytes),
      recs = Buffer.alloc(this.pending.length * RECORD);
    let at = 0;
    const placed: [number, Uint8Array, Shape, number, number][] = [];
    this.pending.forEach((p, k) => {
      data.set(p.bytes, at);
      const o = k * RECORD,
        offset = this.dataEnd + at;
      recs.writeUInt32LE(MAGIC, o);
      recs.writeUInt32LE(p.id, o + 4);
      recs.writeUInt32LE(p.shape.d, o + 8);
      recs.writeUInt16LE(p.shape.h, o + 12);
      recs.writeUInt16LE(p.shape.w, o + 14);
      recs.writeDoubleLE(offset, o + 16);
      recs.writeUInt32LE(p.bytes.length, o + 24);
      recs.writeUInt32LE(crc32(p.bytes), o + 28);
      recs.set(p.sha, o + 32);
      placed.push([p.id, p.sha, p.shape, offset, p.bytes.length]);
      at += p.bytes.length;
    });
    writeSync(this.data, data, 0, data.length, this.dataEnd);
    writeSync(this.idx, recs, 0, recs.length, this.index.records * RECORD);
    for (const [id, sha, shape, offset, len] of placed) this.index.add(id, sha, shape, offset, len);
    this.dataEnd += data.length;
    this.pending = [];
    this.pendingRow.clear();
    this.pendingBytes = 0;
  }

  /**
   * Every stored row of `wanted` (image id → sha256), read in file order a run of rows at a time (at most
   * `maxBytes` per read, more only for a single larger row) and yielded decoded, values concatenated.
   */
  *chunks(
    wanted: Map<number, string>,
    maxBytes = 8 << 20,
  ): Generator<{ ids: number[]; values: Float32Array; shapes: Shape[] }> {
    this.flush();
    const rows: number[] = [];
    for (const [id, sha] of wanted) {
      const r = this.index.rowOf(id, shaBytes(sha));
      if (r >= 0) rows.push(r);
    }
    rows.sort((a, b) => a - b);
    for (let k = 0; k < rows.length;) {
      const start = this.index.offset(rows[k]);
      const stop = (r: number) => this.index.offset(r) + this.index.length(r) - start;
      let end = k + 1;
      while (end < rows.length && stop(rows[end]) <= maxBytes) end++;
      const bytes = stop(rows[end - 1]);
      const buf = Buffer.alloc(bytes);
      readSync(this.data, buf, 0, bytes, start);
      const part = rows.slice(k, end);
      const values = new Float32Array(part.reduce((s, r) => s + this.index.length(r) / this.bytesPerValue, 0));
      let v = 0;
      for (const r of part) {
        const o = this.index.offset(r) - start,
          len = this.index.length(r);
        const out = values.subarray(v, v + len / this.bytesPerValue);
        if (this.dtype === 'f16') decodeHalfInto(new Uint16Array(buf.buffer, buf.byteOffset + o, len / 2), out);
        else out.set(new Float32Array(buf.buffer.slice(buf.byteOffset + o, buf.byteOffset + o + len)));
        v += out.length;
      }
      yield { ids: part.map((r) => this.index.id(r)), values, shapes: part.map((r) => this.index.shape(r)) };
      k = end;
    }
  }

  /** records written so far, in file order: what a scan walks */
  get records(): number {
    return this.index.records;
  }

  /**
   * One run of records from `from`, at most `maxBytes` of data (at least one record), read in one call and
   * decoded; records that are superseded (an image embedded again) or that `keep` refuses are skipped.
   * Returns where the next run starts.
   */
  scan(
    from: number,
    maxBytes: number,
    keep: (id: number) => boolean,
  ): { next: number; ids: number[]; values: Float32Array; shapes: Shape[] } {
    const x = this.index,
      n = x.records;
    if (from >= n) return { next: n, ids: [], values: new Float32Array(0), shapes: [] };
    const start = x.offset(from);
    let end = from + 1;
    while (end < n && x.offset(end) + x.length(end) - start <= maxBytes) end++;
    const bytes = x.offset(end - 1) + x.length(end - 1) - start;
    const rows: number[] = [];
    for (let r = from; r < end; r++) if (x.isLatest(r) && keep(x.id(r))) rows.push(r);
    if (!rows.length) return { next: end, ids: [], values: new Float32Array(0), shapes: [] };
    const buf = Buffer.alloc(bytes);
    readSync(this.data, buf, 0, bytes, start);
    const values = new Float32Array(rows.reduce((s, r) => s + x.length(r) / this.bytesPerValue, 0));
    let v = 0;
    for (const r of rows) {
      const o = x.offset(r) - start,
        len = x.length(r),
        out = values.subarray(v, v + len / this.bytesPerValue);
      if (this.dtype === 'f16') decodeHalfInto(new Uint16Array(buf.buffer, buf.byteOffset + o, len / 2), out);
      else out.set(new Float32Array(buf.buffer, buf.byteOffset + o, len / 4));
      v += out.length;
    }
    return { next: end, ids: rows.map((r) => x.id(r)), values, shapes: rows.map((r) => x.shape(r)) };
  }

  private decode(bytes: Uint8Array): Float32Array {
    if (this.dtype === 'f32')
      return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    const out = new Float32Array(bytes.byteLength / 2);
    decodeHalfInto(new Uint16Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)), out);
    return out;
  }

  close(): void {
    this.flush();
    closeSync(this.data);
    closeSync(this.idx);
    this.release();
  }
}

/** another live process writes this store */
export class StoreBusy extends Error {
  constructor(readonly dir: string) {
    super(`feature store ${dir} is in use by another process`);
  }
}

function shaEq(a: Uint8Array, sha: string): boolean {
  const b = shaBytes(sha);
  for (let i = 0; i < 32; i++) if (a[i] !== b[i]) return false;
  return true;
}
