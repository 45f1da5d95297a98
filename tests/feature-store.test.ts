// Issue 15, one feature store per backbone: rows appended in chunks to one file, read back exactly (f32) or
// within fp16 rounding, found by image id and checked against the sha256, a crash losing at most the
// chunk not yet written, a torn tail cut on reopen, and one writer per store.
import { describe, expect, it } from 'vitest';
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  truncateSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { fork } from 'node:child_process';
import { FeatureStore, RECORD, StoreBusy } from '../trainer/feature-store.ts';
import { EMPTY_LOCK_MS } from '../trainer/store-lock.ts';
import { FeatureCache, POOLED_DTYPE } from '../trainer/features.ts';
import { tempDir } from './helpers/fixtures.ts';

const sha = (i: number) => i.toString(16).padStart(64, '0');
const row = (i: number, d: number) => Float32Array.from({ length: d }, (_, k) => Math.sin(i * 7 + k) * 3.3);

describe('FeatureStore', () => {
  it('reads back every row exactly in f32, by id and in file order, across a reopen', () => {
    const dir = tempDir('hilt-fs-');
    const s = new FeatureStore(dir, 'f32', { chunkRows: 16 });
    for (let i = 1; i <= 100; i++) s.put(i, sha(i), row(i, 24), { h: 1, w: 1, d: 24 });
    expect(s.get(7, sha(7))!.data).toEqual(row(7, 24)); // from the file (flushed chunk)
    expect(s.get(100, sha(100))!.data).toEqual(row(100, 24)); // from the pending chunk
    s.close();
    const r = new FeatureStore(dir, 'f32');
    expect(r.rows).toBe(100);
    expect(r.get(42, sha(42))!.data).toEqual(row(42, 24));
    expect(r.get(42, sha(43))).toBeNull(); // another file's bytes: not these features
    expect(r.has(101, sha(101))).toBe(false);
    const seen: number[] = [];
    for (let from = 0; from < r.records;) {
      const c = r.scan(from, 24 * 4 * 10, () => true); // ten rows per read
      c.ids.forEach((id, k) => expect(c.values.subarray(k * 24, (k + 1) * 24)).toEqual(row(id, 24)));
      seen.push(...c.ids);
      from = c.next;
    }
    expect(seen).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    r.close();
  });

  it('fp16 rows come back within half-precision rounding; a re-embedded image reads its newest row', () => {
    const dir = tempDir('hilt-fs-');
    const s = new FeatureStore(dir, 'f16', { chunkRows: 4 });
    for (let i = 1; i <= 10; i++) s.put(i, sha(i), row(i, 32), { h: 2, w: 2, d: 8 });
    s.put(3, sha(3), row(300, 32), { h: 2, w: 2, d: 8 });
    s.flush();
    const got = s.get(3, sha(3))!;
    expect(got.shape).toEqual({ h: 2, w: 2, d: 8 });
    got.data.forEach((v, k) =>
      expect(Math.abs(v - row(300, 32)[k])).toBeLessThanOrEqual(Math.abs(row(300, 32)[k]) * 2 ** -11 + 1e-7),
    );
    const ids: number[] = [];
    for (let from = 0; from < s.records;) {
      const c = s.scan(from, 1 << 20, () => true);
      ids.push(...c.ids);
      from = c.next;
    }
    expect(ids.sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]); // the superseded row is skipped
    s.close();
  });

  it('a kill -9 loses at most the chunk not yet written; the rest reopens', async () => {
    const dir = tempDir('hilt-fs-');
    const child = fork(join(import.meta.dirname, 'helpers', 'store-writer.ts'), [dir, '70', '32'], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    await new Promise<void>((r) => child.on('message', () => r()));
    child.kill('SIGKILL');
    await new Promise((r) => child.on('exit', r));
    const s = new FeatureStore(dir, 'f32');
    expect(s.rows).toBe(64); // two chunks of 32 written, the last 6 rows were still buffered
    expect(s.get(64, sha(64))!.data).toEqual(row(64, 16));
    s.close();
  });

  it('cuts a torn tail on reopen: a partial record, or a record whose data is missing or corrupt', () => {
    const dir = tempDir('hilt-fs-');
    const s = new FeatureStore(dir, 'f32', { chunkRows: 1 });
    for (let i = 1; i <= 5; i++) s.put(i, sha(i), row(i, 8), { h: 1, w: 1, d: 8 });
    s.close();
    appendFileSync(join(dir, 'rows.idx'), Buffer.alloc(RECORD / 2, 7)); // half a record
    const data = join(dir, 'rows.bin');
    const bytes = readFileSync(data);
    bytes[bytes.length - 3] ^= 0xff; // the last row's data no longer matches its checksum
    writeFileSync(data, bytes);
    const r = new FeatureStore(dir, 'f32');
    expect(r.rows).toBe(4);
    expect(statSync(join(dir, 'rows.idx')).size).toBe(4 * RECORD);
    r.put(5, sha(5), row(5, 8), { h: 1, w: 1, d: 8 });
    r.close();
    truncateSync(data, statSync(data).size - 4); // data of the last record cut short
    const t = new FeatureStore(dir, 'f32');
    expect(t.rows).toBe(4);
    expect(t.get(4, sha(4))!.data).toEqual(row(4, 8));
    t.close();
  });

  it('one writer per store: another live process is refused (and gets a private store), a dead one is taken over', () => {
    const root = tempDir('hilt-fs-'),
      dir = join(root, 'key', `pooled-${POOLED_DTYPE}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'writer.lock'), String(process.ppid)); // a live process that is not this one
    expect(() => new FeatureStore(dir, 'f32')).toThrow(StoreBusy);
    const cache = new FeatureCache(root, 'key');
    cache.putPooled({ id: 1, sha256: sha(1) }, row(1, 4));
    cache.getPooled({ id: 1, sha256: sha(1) })!.forEach((v, k) => expect(v).toBeCloseTo(row(1, 4)[k], 2));
    cache.close();
    expect(existsSync(`${dir}.pid${process.pid}`)).toBe(true);
    writeFileSync(join(dir, 'writer.lock'), '999999999'); // no such process
    const s = new FeatureStore(dir, 'f32');
    expect(readFileSync(join(dir, 'writer.lock'), 'utf8')).toBe(String(process.pid));
    s.close();
    expect(existsSync(join(dir, 'writer.lock'))).toBe(false);
  });

  it('a lock file without its pid yet is held (its writer is between creating and writing it) until it is old', () => {
    const dir = join(tempDir('hilt-fs-'), 'store'),
      lock = join(dir, 'writer.lock');
    mkdirSync(dir, { recursive: true });
    writeFileSync(lock, '');
    expect(() => new FeatureStore(dir, 'f32')).toThrow(StoreBusy);
    expect(readFileSync(lock, 'utf8')).toBe('');
    const old = (Date.now() - EMPTY_LOCK_MS - 1000) / 1000;
    utimesSync(lock, old, old);
    const s = new FeatureStore(dir, 'f32');
    expect(readFileSync(lock, 'utf8')).toBe(String(process.pid));
    s.close();
  });

  it('meta.json is written whole; one cut short by a crash is written again, another dtype is refused', () => {
    const dir = join(tempDir('hilt-fs-'), 'store');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'meta.json'), '');
    const s = new FeatureStore(dir, 'f32');
    s.close();
    expect(JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8'))).toEqual({ version: 1, dtype: 'f32' });
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(() => new FeatureStore(dir, 'f16')).toThrow(/holds f32 features, not f16/);
    // the refused open left no lock behind
    expect(existsSync(join(dir, 'writer.lock'))).toBe(false);
  });
});
