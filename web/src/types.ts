// Plain types of the HTTP API (docs/API.md). Socket frames come from server/protocol.ts.
import type { AnnotationMsg, ClassMsg, EvalClass, EvalImage, Hint, Prediction as ProtocolPrediction, SegmentationPrediction, Task, TrainerStatus } from '../../server/protocol.ts';

export type { Task, TrainerStatus, SegmentationPrediction, EvalImage, Hint };
/** A prediction with the version of the model that made it (sent back when it is accepted). */
export type Prediction = ProtocolPrediction & { modelVersion?: number };
export type Class = ClassMsg;
export type Annotation = AnnotationMsg;
export type Point = { classId: number; x: number; y: number };

export interface Counts { images: number; labelled: number; skipped: number; unlabelled: number }
export interface TrainerInfo { online: boolean; status: TrainerStatus | null }

export interface SessionInfo {
  name: string;
  task: Task | null;
  counts: Counts;
  classes: Class[];
  trainer: TrainerInfo;
  /** strategies the trainer has published suggestions for */
  strategies: string[];
}

export interface ImageInfo { id: number; name: string; width: number; height: number }
export interface ImageMeta { image: ImageInfo; annotation: Annotation | null; prediction: Prediction | null; index: number; total: number }

export interface ImageListItem extends ImageInfo {
  annotation: Annotation | null;
  /** `map`: a segmentation map exists (Browse shows it when there is no mask), of model `modelVersion` */
  prediction: { classId: number | null; confidence: number | null; uncertainty: number | null; map?: boolean; modelVersion?: number } | null;
}
export interface ImageList { total: number; offset: number; limit: number; items: ImageListItem[] }

export interface Stats {
  task?: Task | null;
  total: number; labelled: number; skipped: number; unlabelled: number;
  /** classification: labels per class; segmentation: images containing the class, its mask pixels, their share, points */
  perClass: { classId: number; name: string; color?: string; count: number; pixels?: number; share?: number; points?: number }[];
  segmentation?: { labelledPixels: number; masks: number };
  perAnnotator: { annotator: string; count: number }[];
  live: { n: number; correct: number; series: number[] };
  metrics: Record<string, { step: number; value: number }[]>;
  /** val-split confusion matrix when the trainer published one */
  confusion?: { classIds?: number[]; labels?: string[]; matrix: number[][] } | null;
}

/** GET /api/me: the annotator this browser labels as. */
export interface Me { id: string; name: string | null; annotator: string; authenticated: boolean }

/** A next-image strategy's name, as GET /api/strategies lists them (server/strategies.ts is the registry). */
export type Strategy = string;
export interface StrategyInfo { name: string; label: string; tasks: Task[]; needsTrainer: boolean; needs?: 'class'; labelled?: true }

/** GET /api/evaluation */
export interface Evaluation {
  task: Task; modelVersion: number; at: number; labelled: number; trainSize: number; valSize: number;
  accuracy: number | null; macroF1: number | null; miou: number | null;
  classIds: number[]; perClass: (EvalClass & { name: string })[];
  confusion: number[][] | null; unit: 'images' | 'patches';
  images: { total: number; offset: number; limit: number; sort: string; items: EvalImage[] };
}
export interface EvaluationAnswer {
  evaluation: Evaluation | null; currentModelVersion: number | null;
  curves: Record<string, { step: number; value: number }[]>;
  export: { modelVersion: number | null; command: string };
}
/** GET /api/review */
export interface ReviewList {
  modelVersion: number | null; method: 'k-fold' | 'patches' | null; folds: number; at: number | null; labelled: number; total: number; flagged: number;
  items: { id: number; given: number | null; suggested: number | null; score: number; flagged: boolean }[];
}
export interface HintList { modelVersion: number | null; at: number | null; hints: Hint[] }
