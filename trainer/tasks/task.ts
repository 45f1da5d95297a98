// One interface per task (DESIGN §6): what the live loop asks of classification, segmentation, or any
// task added later. The loop (trainer.ts) knows no task by name; it holds one TrainerTask, made by the
// factory registered under the session's task in tasks/index.ts.
import type { AnnotationMsg, ClassMsg, ImageRef, Prediction, Task } from '../../server/protocol.ts';
import type { FeatureCache } from '../features.ts';
import type { LogRegModel } from '../heads/logreg.ts';
import type { EmbedMode, EmbedResult, TrainerIO } from '../types.ts';

/** The loop's state a task reads (never writes): the session as the server sent it, and the cache. */
export interface TrainerView {
  readonly classes: ClassMsg[];
  readonly images: Map<number, ImageRef>;
  readonly ann: Map<number, AnnotationMsg>;
  readonly cache: FeatureCache | null;
  readonly io: TrainerIO;
  /** the model version the loop has published last */
  readonly version: number;
  /** false: no background model-quality work after a publish (the k-fold label issues, the hints): for
   *  `hilt simulate`, where nothing reads them, on a shared machine. The val evaluation still runs. */
  readonly background?: boolean;
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
  predict(imgs: ImageRef[]): Prediction[];
  /** one embedding that is not in the cache (an uploaded image) */
  predictEmbedding(id: number, e: EmbedResult): Prediction | null;
  /** after a refit and re-prediction: suggestions, val metrics, model summary */
  publish(): Promise<void>;
  /** annotations that count as labels for this task (for the idle message and metric steps) */
  labelledCount(): number;
}

export interface TaskFactory {
  readonly name: Task;
  create(view: TrainerView): TrainerTask;
}
