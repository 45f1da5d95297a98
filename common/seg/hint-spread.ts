// Your strokes reach the whole region they lie in: a seeded watershed on the refinement's cell grid (the
// "carving" idea of ilastik and of marker-controlled watershed). From the cells you painted, each class
// floods outwards through neighbouring cells; a step costs the colour difference between the two cells'
// mean colours, and a path costs its largest step (a minimax path, so the noise of a textured region adds
// nothing up, while one edge stops it). Each cell goes to the class that reaches it by the cheapest path,
// as long as that path crosses no step above `tau`. The refinement then treats the reached cells as
// painted — weaker than paint — so a stroke inside a shape the model got wrong turns the whole shape, up
// to its edges, however far they are from the stroke (the guided filter alone carries a stroke only as far
// as its window). Cells beyond an edge are left to the model.

/**
 * `I`: mean colour per cell in [0, 1] (3 planes, lw×lh). `seed`: class per cell (−1 = not painted).
 * Returns the class that floods each cell (−1 = none within `tau`).
 */
export function spreadSeeds(
  I: Float32Array[],
  lw: number,
  lh: number,
  seed: Int16Array,
  tau: number,
  tauColour = Infinity,
): Int16Array {
  const n = lw * lh,
    label = new Int16Array(n).fill(-1),
    cost = new Float32Array(n).fill(Infinity);
  const [R, G, B] = I;
  // each connected stroke (4-connected seed cells of one class) floods with its own mean colour
  const comp = new Int32Array(n).fill(-1),
    mean: number[][] = [];
  for (let s = 0; s < n; s++) {
    if (seed[s] < 0 || comp[s] >= 0) continue;
    const id = mean.length,
      stack = [s],
      sum = [0, 0, 0];
    let count = 0;
    comp[s] = id;
    while (stack.length) {
      const i = stack.pop()!,
        x = i % lw;
      sum[0] += R[i];
      sum[1] += G[i];
      sum[2] += B[i];
      count++;
      for (const j of [x > 0 ? i - 1 : -1, x < lw - 1 ? i + 1 : -1, i - lw, i + lw])
        if (j >= 0 && j < n && comp[j] < 0 && seed[j] === seed[s]) {
          comp[j] = id;
          stack.push(j);
        }
    }
    mean.push(sum.map((v) => v / count));
  }
  const heap = new MinHeap(n);
  for (let i = 0; i < n; i++)
    if (seed[i] >= 0) {
      cost[i] = 0;
      label[i] = seed[i];
      heap.push(i, 0);
    }
  const step = (a: number, b: number) => Math.hypot(R[a] - R[b], G[a] - G[b], B[a] - B[b]);
  const done = new Uint8Array(n);
  while (heap.size) {
    const i = heap.pop();
    if (done[i]) continue;
    done[i] = 1;
    const x = i % lw,
      c = cost[i],
      m = mean[comp[i]];
    const visit = (j: number) => {
      if (done[j]) return;
      const v = Math.max(c, step(i, j));
      if (v > tau || v >= cost[j]) return;
      if (Math.hypot(R[j] - m[0], G[j] - m[1], B[j] - m[2]) > tauColour) return;
      cost[j] = v;
      label[j] = label[i];
      comp[j] = comp[i];
      heap.push(j, v);
    };
    if (x > 0) visit(i - 1);
    if (x < lw - 1) visit(i + 1);
    if (i >= lw) visit(i - lw);
    if (i + lw < n) visit(i + lw);
  }
  return label;
}

/** A binary min-heap of cell indices by cost (entries may repeat; stale ones are skipped by the caller). */
class MinHeap {
  private idx: Int32Array;
  private key: Float32Array;
  size = 0;
  constructor(cap: number) {
    this.idx = new Int32Array(Math.max(4, cap));
    this.key = new Float32Array(Math.max(4, cap));
  }
  push(i: number, k: number) {
    if (this.size === this.idx.length) {
      const a = new Int32Array(this.size * 2);
      a.set(this.idx);
      this.idx = a;
      const b = new Float32Array(this.size * 2);
      b.set(this.key);
      this.key = b;
    }
    let p = this.size++;
    while (p > 0) {
      const q = (p - 1) >> 1;
      if (this.key[q] <= k) break;
      this.idx[p] = this.idx[q];
      this.key[p] = this.key[q];
      p = q;
    }
    this.idx[p] = i;
    this.key[p] = k;
  }
  pop(): number {
    const top = this.idx[0],
      li = this.idx[--this.size],
      lk = this.key[this.size];
    let p = 0;
    for (;;) {
      let c = 2 * p + 1;
      if (c >= this.size) break;
      if (c + 1 < this.size && this.key[c + 1] < this.key[c]) c++;
      if (this.key[c] >= lk) break;
      this.idx[p] = this.idx[c];
      this.key[p] = this.key[c];
      p = c;
    }
    this.idx[p] = li;
    this.key[p] = lk;
    return top;
  }
}
