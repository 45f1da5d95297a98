// The on-disk feature cache, keyed by image sha256 + backbone + resolution + mode, so a restart reuses it.
// Pooled vectors (classification) are float32 and all held in memory; patch grids (segmentation) are fp16
// on disk with a small in-memory LRU.
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { decodeHalf, encodeHalf } from './fp16.ts';

export interface Grid { data: Float32Array; h: number; w: number; d: number }

export class FeatureCache {
  readonly dir: string;
  private pooled = new Map<string, Float32Array>();
  private grids = new Map<string, Grid>();
  /** what is on disk, listed once: the loop asks "is it embedded?" for every image on every batch */
  private onDisk = { f32: new Set<string>(), g16: new Set<string>() };
  constructor(root: string, key: string, private lruSize = 64) {
    this.dir = join(root, key.replace(/[^A-Za-z0-9._-]/g, '_'));
    mkdirSync(this.dir, { recursive: true });
    for (const f of readdirSync(this.dir)) {
      const m = /^(.+)\.(f32|g16)$/.exec(f);
      if (m) this.onDisk[m[2] as 'f32' | 'g16'].add(m[1]);
    }
  }
  private file(sha: string, ext: string) { return join(this.dir, `${sha}.${ext}`); }
  private atomicWrite(file: string, buf: Uint8Array) { writeFileSync(file + '.tmp', buf); renameSync(file + '.tmp', file); }

  hasPooled(sha: string): boolean { return this.onDisk.f32.has(sha); }
  getPooled(sha: string): Float32Array | null {
    let v = this.pooled.get(sha);
    if (!v && this.onDisk.f32.has(sha) && existsSync(this.file(sha, 'f32'))) {
      const b = readFileSync(this.file(sha, 'f32'));
      v = new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
      this.pooled.set(sha, v);
    }
    return v ?? null;
  }
  putPooled(sha: string, v: Float32Array): void {
    this.pooled.set(sha, v);
    this.atomicWrite(this.file(sha, 'f32'), new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
    this.onDisk.f32.add(sha);
  }

  hasGrid(sha: string): boolean { return this.onDisk.g16.has(sha); }
  getGrid(sha: string): Grid | null {
    const hit = this.grids.get(sha);
    if (hit) { this.grids.delete(sha); this.grids.set(sha, hit); return hit; }
    if (!existsSync(this.file(sha, 'g16'))) return null;
    const b = readFileSync(this.file(sha, 'g16'));
    const head = new Uint32Array(b.buffer.slice(b.byteOffset, b.byteOffset + 12));
    const [h, w, d] = [head[0], head[1], head[2]];
    const half = new Uint16Array(b.buffer.slice(b.byteOffset + 12, b.byteOffset + 12 + h * w * d * 2));
    const g = { data: decodeHalf(half), h, w, d };
    this.remember(sha, g);
    return g;
  }
  putGrid(sha: string, g: Grid): void {
    const half = encodeHalf(g.data);
    const buf = new Uint8Array(12 + half.byteLength);
    buf.set(new Uint8Array(new Uint32Array([g.h, g.w, g.d]).buffer), 0);
    buf.set(new Uint8Array(half.buffer), 12);
    this.atomicWrite(this.file(sha, 'g16'), buf);
    this.onDisk.g16.add(sha);
    this.remember(sha, { ...g, data: decodeHalf(half) }); // what training sees = what a restart will see
  }
  private remember(sha: string, g: Grid) {
    this.grids.set(sha, g);
    while (this.grids.size > this.lruSize) this.grids.delete(this.grids.keys().next().value as string);
  }
}
