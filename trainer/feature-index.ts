// The in-memory index of a feature store: per record its image id, sha256 (32 bytes), shape, offset and
// length in typed arrays that grow by doubling (~60 bytes a row), and the latest record of each image id.
import { createHash } from 'node:crypto';
/** a stored row's shape: a pooled vector is 1 × 1 × d, a patch grid h × w × d */
export interface Shape {
  h: number;
  w: number;
  d: number;
}

const scratch = new Uint8Array(32);
const HEX = /^[0-9a-fA-F]{64}$/;

/** sha256 hex → 32 bytes, into a shared scratch buffer (copy it to keep it). Anything that is not a
 *  sha256 (a test's made-up id) is hashed to 32 bytes, so every key has one fixed size. */
export function shaBytes(sha: string): Uint8Array {
  if (!HEX.test(sha)) {
    scratch.set(createHash('sha256').update(sha).digest());
    return scratch;
  }
  for (let i = 0; i < 32; i++) scratch[i] = parseInt(sha.substr(i * 2, 2), 16);
  return scratch;
}

export class RowIndex {
  private cap = 1024;
  private n = 0;
  private ids = new Uint32Array(this.cap);
  private shas = new Uint8Array(this.cap * 32);
  private dims = new Uint32Array(this.cap);
  private hw = new Uint16Array(this.cap * 2);
  private offsets = new Float64Array(this.cap);
  private lengths = new Uint32Array(this.cap);
  private latest = new Map<number, number>();

  /** records ever appended (superseded ones included): where the next one goes */
  get records(): number {
    return this.n;
  }
  /** images with a row */
  get size(): number {
    return this.latest.size;
  }

  add(id: number, sha: Uint8Array, shape: Shape, offset: number, length: number): void {
    if (this.n === this.cap) this.grow();
    const r = this.n++;
    this.ids[r] = id;
    this.shas.set(sha.subarray(0, 32), r * 32);
    this.dims[r] = shape.d;
    this.hw[2 * r] = shape.h;
    this.hw[2 * r + 1] = shape.w;
    this.offsets[r] = offset;
    this.lengths[r] = length;
    this.latest.set(id, r);
  }

  private grow(): void {
    this.cap *= 2;
    const g = <T extends Uint32Array | Uint8Array | Uint16Array | Float64Array>(a: T, k = 1): T => {
      const b = new (a.constructor as new (n: number) => T)(this.cap * k);
      b.set(a);
      return b;
    };
    this.ids = g(this.ids);
    this.shas = g(this.shas, 32);
    this.dims = g(this.dims);
    this.hw = g(this.hw, 2);
    this.offsets = g(this.offsets);
    this.lengths = g(this.lengths);
  }

  /** the latest record of image `id` when it was made from these bytes (sha), else -1 */
  rowOf(id: number, sha: Uint8Array): number {
    const r = this.latest.get(id);
    if (r === undefined) return -1;
    for (let i = 0, o = r * 32; i < 32; i++) if (this.shas[o + i] !== sha[i]) return -1;
    return r;
  }
  matches(id: number, sha: Uint8Array): boolean {
    return this.rowOf(id, sha) >= 0;
  }

  /** record r is its image's latest (not superseded by a later embedding of the same image) */
  isLatest(r: number): boolean {
    return this.latest.get(this.ids[r]) === r;
  }
  id(r: number): number {
    return this.ids[r];
  }
  offset(r: number): number {
    return this.offsets[r];
  }
  length(r: number): number {
    return this.lengths[r];
  }
  shape(r: number): Shape {
    return { h: this.hw[2 * r], w: this.hw[2 * r + 1], d: this.dims[r] };
  }
  /** the end of the last record's data: where the data file ends */
  end(): number {
    return this.n ? this.offsets[this.n - 1] + this.lengths[this.n - 1] : 0;
  }
}
