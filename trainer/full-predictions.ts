// The full predictions of single images (focused ones, the validation sample), and the final one of each
// (segmentation: with its regions named by a second pass) kept for the current model, so that an image a
// browser looks at once more gets it again at once instead of its unnamed first pass.
import type { ImageRef, Prediction } from '../common/protocol.ts';
import type { Sweep } from './sweep.ts';
import type { TrainerTask } from './tasks/task.ts';
import type { TrainerIO } from './types.ts';

/** final full predictions kept to send again when a browser looks at an image once more */
const FINAL_KEPT = 256;

export interface FullHost {
  readonly impl: TrainerTask | null;
  readonly io: TrainerIO;
  /** the model version the loop has published last */
  readonly version: number;
  readonly sweep: Sweep;
  /** run the loop again (it says ready once the second passes are out) */
  kick(): void;
}

export class FullPredictions {
  /** the final full predictions sent of the model `finalOf` (the newest FINAL_KEPT), by image */
  private finalSent = new Map<number, Prediction>();
  private finalOf: { impl: TrainerTask | null; version: number } = { impl: null, version: -1 };
  /** second passes (regions named) in flight: the loop is not ready before they are out */
  private inFlight = 0;

  constructor(
    private host: FullHost,
    /** the trainer is closed: failures are not logged, the loop not kicked */
    private closed: () => boolean,
  ) {}

  /** second passes (regions named) in flight */
  get naming(): number {
    return this.inFlight;
  }

  /** Full predictions of these images now; resolves once their second pass (segmentation: regions named) is
   *  sent or dropped. An image whose final prediction of this model is out already is skipped (sending its first
   *  pass again would replace its named map with the unnamed one until the second pass is back) or, with
   *  `again` (a browser looks at it), gets that final prediction again at once. */
  send(imgs: ImageRef[], o: { again?: boolean } = {}): Promise<void> {
    const impl = this.host.impl,
      version = this.host.version;
    if (this.finalOf.impl !== impl || this.finalOf.version !== version) {
      this.finalOf = { impl, version };
      this.finalSent.clear();
    }
    const done = imgs.flatMap((i) => this.finalSent.get(i.id) ?? []);
    if (done.length && o.again) this.host.io.send({ type: 'predictions', modelVersion: version, items: done });
    const items = impl?.predict(imgs.filter((i) => !this.finalSent.has(i.id))) ?? [];
    if (!items.length) return Promise.resolve();
    this.host.io.send({ type: 'predictions', modelVersion: version, items });
    for (const p of items) this.host.sweep.sentFull(p.imageId, p.classId, p.uncertainty);
    const final = (named: Prediction[]) => {
      if (this.finalOf.impl !== impl || this.finalOf.version !== version) return;
      const byId = new Map(named.map((p) => [p.imageId, p]));
      for (const p of items) {
        this.finalSent.delete(p.imageId);
        this.finalSent.set(p.imageId, byId.get(p.imageId) ?? p);
      }
      for (const id of this.finalSent.keys()) {
        if (this.finalSent.size <= FINAL_KEPT) break;
        this.finalSent.delete(id);
      }
    };
    // segmentation: the same maps with each region named by its crop, a moment later
    if (!impl?.refinePredictions) {
      final([]);
      return Promise.resolve();
    }
    this.inFlight++;
    return impl
      .refinePredictions(items)
      .then((named) => {
        if (this.host.impl !== impl || this.host.version !== version) return;
        if (named.length) this.host.io.send({ type: 'predictions', modelVersion: version, items: named });
        final(named);
      })
      .catch((e) => {
        if (!this.closed()) this.host.io.log(`naming regions failed: ${(e as Error).message}`);
      })
      .finally(() => {
        this.inFlight--;
        if (!this.inFlight && !this.closed()) this.host.kick();
      });
  }
}
