// One interface per task: what the live loop asks of classification, segmentation, or any
// task added later. The loop (trainer.ts) knows no task by name; it holds one TrainerTask, made by the
// factory registered under the session's task in tasks/index.ts.
import type { AnnotationMsg, ClassMsg, ImageRef, Prediction, Task } from '../../common/protocol.ts';
import type { FeatureCache, Grid } from '../features.ts';
import type { Shape } from '../feature-store.ts';
import type { LogRegModel } from '../heads/logreg.ts';
import type { SuggestionInput } from '../suggestions.ts';
import type { RowPredictions } from '../sweep.ts';
import type { EmbedMode, EmbedResult, TrainerIO } from '../types.ts';
import type { ExportedHead } from './exported.ts';

/** What the sweep gathered over a lap of the pool: every image predicted under the current class set. */
export interface SweepState {
  ids: Int32Array;
  probs: Float32Array;
  unc: Float32Array;
  C: number;
  /** n × C presence (segmentation: how likely each image is to contain each class) */
  presence?: Float32Array;
  /** image-level features of a sample of the pool and of labelled images (for `diverse`) */
  sample: Map<number, Float32Array>;
}

/** The loop's state a task reads (never writes): the session as the server sent it, and the cache. */
export interface TrainerView {
  readonly classes: ClassMsg[];
  readonly images: Map<number, ImageRef>;
  /** images whose features are stored */
  readonly embedded?: ReadonlySet<number>;
  readonly ann: Map<number, AnnotationMsg>;
  readonly cache: FeatureCache | null;
  readonly io: TrainerIO;
  /** the model version the loop has published last */
  readonly version: number;
  /** false: no background model-quality work after a publish (the k-fold label issues, the hints): for
   *  `hilt simulate`, where nothing reads them, on a shared machine. The val evaluation still runs. */
  readonly background?: boolean;
  /** true while a label's refit, the rest of its fit (the crop head) or its focused maps are in flight: background
   *  work that can wait gives way to them */
  busy?(): boolean;
  /** an image's bytes (its path when this host can read it, else fetched from the server) */
  readImage(id: number): Promise<Buffer | string>;
  /** pooled embeddings, with the loop's backbone, of RGB crops [side, side, 3] (segmentation names each
   *  predicted region by its crop); absent where the loop has no embedder for them */
  embedCrops?(crops: Uint8Array[], side: number): Promise<Float32Array[]>;
  /** patch grids, with the loop's backbone, of encoded images that are no session images (augmented copies of
   *  labelled ones); absent where the loop has no embedder for them */
  embedImages?(images: Buffer[]): Promise<Grid[]>;
  /** the suggestion lists, computed off the loop (a worker thread); null when a newer job superseded it */
  suggest(input: SuggestionInput): Promise<Record<string, number[]> | null>;
}

export interface RegionHead {
  model: LogRegModel;
  classIds: number[];
  crop: { margin: number; fill: [number, number, number]; side: number };
  minFraction: number;
  guideSide: number;
}

export interface TrainerTask {
  readonly name: Task;
  /** which features the loop embeds for this task: pooled vectors or patch grids */
  readonly embedMode: EmbedMode;
  /** chunk size when re-predicting every image after a refit (segmentation maps are bigger) */
  readonly predictChunk: number;
  /** the current head, null until two classes have labels */
  model(): LogRegModel | null;
  /** class id of each model column */
  classIds(): number[];
  /** forget the head (a class was removed, a new snapshot) */
  reset(): void;
  /** an image's annotation changed: drop what the task derived from it */
  annotationChanged(imageId: number): void;
  /** refit on the train split; a one-line summary, or null when there is nothing to fit yet */
  fit(): Promise<string | null>;
  /** what a fit started that goes on after it (segmentation: the crop head); the loop publishes the head and
   *  says ready once it is done */
  finishFit?(): Promise<void>;
  /** the last fit stopped before converging (a bounded step): the loop fits again at once, warm */
  fitPending?(): boolean;
  /** full predictions (probabilities, maps) of a few images: the focused ones, a validation sample */
  predict(imgs: ImageRef[]): Prediction[];
  /** a second, slower pass over full predictions (segmentation: regions named by their crops); only the
   *  changed ones come back */
  refinePredictions?(items: Prediction[]): Promise<Prediction[]>;
  /** segmentation: what names each shape region of the refined map, for the export (the crop head, its
   *  columns' class ids, how crops are cut); null while there is none */
  regionHead?(): RegionHead | null;
  /** compact predictions of k images from their stored features, for the sweep; null without a model
   *  (or when the features are not the model's width: the backbone changed) */
  predictRows(ids: number[], values: Float32Array, shapes: Shape[]): RowPredictions | null;
  /** one embedding that is not in the cache (an uploaded image) */
  predictEmbedding(id: number, e: EmbedResult): Prediction | null;
  /** after a lap of the sweep: suggestions, val metrics, model summary */
  publish(sweep: SweepState): Promise<void>;
  /** no model yet, the pool embedded: the lists that need only features (the cold start). `sample` is the
   *  sweep's feature sample, which the task may fill from the cache (the sweep fills it once a model exists) */
  publishCold?(sample: Map<number, Float32Array>): Promise<void>;
  /** annotations that count as labels for this task (for the idle message and metric steps) */
  labelledCount(): number;
}

export interface TaskFactory {
  readonly name: Task;
  /** what the embedder makes of an image for this task: one pooled row, or a patch grid */
  readonly embedMode: EmbedMode;
  create(view: TrainerView): TrainerTask;
  /** its head once exported with the backbone as one ONNX model */
  readonly exported: ExportedHead;
}
