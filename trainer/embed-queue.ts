// What to embed next: the focused images, then labelled ones, then the rest in id order, found
// without rescanning. A cursor walks the images once, only ever past embedded or failed ones, and labelled
// images waiting are a set of their own, so choosing a batch costs O(batch) however large the session.
import type { ImageRef } from '../common/protocol.ts';

const NONE: ReadonlySet<number> = new Set();

export class EmbedQueue {
  private order: ImageRef[] = [];
  private cursor = 0;
  /** annotated images not embedded yet (few: they are embedded first) */
  private labelled = new Map<number, ImageRef>();

  constructor(
    private done: (i: ImageRef) => boolean,
    private failed: Map<number, string>,
  ) {}

  /** A new snapshot: every image in id order, the annotated ones first in line. */
  reset(images: Iterable<ImageRef>, annotated: Iterable<number>, byId: Map<number, ImageRef>): void {
    this.order = [...images];
    this.cursor = 0;
    this.labelled.clear();
    for (const id of annotated) {
      const i = byId.get(id);
      if (i && !this.done(i)) this.labelled.set(id, i);
    }
  }

  /** images added after the snapshot (an import) */
  add(images: ImageRef[]): void {
    this.order.push(...images);
  }

  /** an image was annotated: embed it before the unlabelled rest */
  annotated(i: ImageRef | undefined): void {
    if (i && !this.done(i) && !this.failed.has(i.id)) this.labelled.set(i.id, i);
  }

  private waiting = (i: ImageRef | undefined, skip: ReadonlySet<number> = NONE): i is ImageRef =>
    !!i && !skip.has(i.id) && !this.failed.has(i.id) && !this.done(i);

  /** Up to `n` images to embed: focus, then labelled, then the cursor's. `skip`: already in flight. */
  next(n: number, focus: number[], byId: Map<number, ImageRef>, skip: Set<number> = new Set()): ImageRef[] {
    const out: ImageRef[] = [];
    const taken = new Set(skip);
    const take = (i: ImageRef | undefined) => {
      if (out.length < n && this.waiting(i, taken)) {
        out.push(i);
        taken.add(i.id);
      }
    };
    for (const id of focus) take(byId.get(id));
    for (const [id, i] of this.labelled) {
      if (out.length >= n) break;
      if (!this.waiting(i)) {
        this.labelled.delete(id);
        continue;
      } // embedded or failed meanwhile
      take(i);
    }
    this.advance();
    for (let k = this.cursor; k < this.order.length && out.length < n; k++) take(this.order[k]);
    return out;
  }

  /** nothing left to embed (everything done or failed) */
  get empty(): boolean {
    this.advance();
    for (const [id, i] of this.labelled) {
      if (this.waiting(i)) return false;
      this.labelled.delete(id);
    }
    return this.cursor >= this.order.length;
  }

  /** the cursor only moves past images that are done for good: in-flight ones stay ahead of it */
  private advance(): void {
    while (this.cursor < this.order.length && !this.waiting(this.order[this.cursor])) this.cursor++;
  }
}
