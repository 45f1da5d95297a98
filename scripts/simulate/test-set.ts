// What a held-out test set offers the simulation (evaluate.ts builds it; evaluate-seg.ts for segmentation).
import type { Trainer } from '../../trainer/trainer.ts';
import type { Item } from './dataset.ts';

export interface Grid {
  h: number;
  w: number;
  data: Float32Array;
}
export interface Score {
  miou: number;
  boundaryF: number;
}
/** segmentation: the same maps taken to full resolution four ways, and what the app accepts */
export interface Upsampling {
  nearest: Score;
  bilinear: Score;
  refined: Score;
  oracle: Score;
  /** the refined maps with each shape region named by the crop head where there is one (the curve's metric) */
  accepted: Score;
}

export interface TestSet {
  n: number;
  /** accuracy (classification) or mIoU (segmentation: of the maps the app accepts, regions named by the crop
   *  head where there is one) of the trainer's current head; null = no model yet */
  evaluate(t: Trainer): number | null | Promise<number | null>;
  /** classification: expected calibration error of the shown top-class probability on the test set (10 bins) */
  ece?(t: Trainer): number | null;
  /** the same for the head before temperature scaling (what calibration changed) */
  eceRaw?(t: Trainer): number | null;
  /** the same training labels fitted from scratch (no warm start): does the live head lose anything? */
  evaluateCold(t: Trainer): Promise<number | null>;
  /** a head fitted on every pool label (dense masks for segmentation), scored the same way: the ceiling */
  ceiling(t: Trainer, truthOf: Map<number, Item>): number | null;
  /** segmentation: the current head's maps taken to full resolution four ways (nearest, bilinear, refined,
   *  and the patch-grid oracle), mIoU and boundary F */
  upsampling?(t: Trainer): Promise<Upsampling | null>;
}
