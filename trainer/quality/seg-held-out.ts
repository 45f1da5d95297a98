// The head the segmentation val evaluation scores. The served patch head learns from every labelled image, the
// val-side ones too: a handful of labelled scenes is too few to leave one in five out. This head is the served
// head's objective (class-balanced mean loss + the same L2) fitted on the train-side labelled images and their
// augmented copies only, in slices in the background and warm-started from its last fit, so the val images it is
// scored on stay unseen and the val curve an honest estimate of the same recipe. It is refitted only when what it
// learns from changes (a val-side label does not).
import type { LogRegModel } from '../heads/logreg.ts';
import { patchRows, type SegImage } from '../heads/segmentation.ts';
import { fitSliced } from './sliced-fit.ts';
import type { Slicer } from './slices.ts';

export class HeldOutHead {
  private head: LogRegModel | null = null;
  private key = '';
  /** fits run so far (a reused head is not one) */
  fits = 0;

  reset(): void {
    this.head = null;
    this.key = '';
  }

  /** The head fitted on `train` (its key names what that is: the images, their annotation versions, the
   *  classes); null when the train side has fewer than two classes. */
  async get(
    train: SegImage[],
    key: string,
    d: number,
    C: number,
    slicer: Slicer,
    alive: () => boolean,
  ): Promise<LogRegModel | null> {
    const k = `${key}|${d}|${C}`;
    if (k === this.key) return this.head;
    const { X, y, n } = patchRows(train, d);
    // a class added since the served head's fit is not one of its C columns yet: its patches wait
    for (let i = 0; i < n; i++) if (y[i] >= C) y[i] = -1;
    const present = new Set(y);
    present.delete(-1);
    if (present.size < 2) {
      this.head = null;
      this.key = k;
      return null;
    }
    const warm = this.head && this.head.d === d && this.head.C <= C ? this.head : null;
    const { model } = await fitSliced(X, y, n, d, C, warm, slicer, alive, { maxIter: 500 });
    this.fits++;
    this.head = model;
    this.key = k;
    return model;
  }
}
