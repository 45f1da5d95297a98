// What a task's head is once exported with its backbone as one ONNX model (`hilt export --format onnx`,
// `hilt predict`, trainer/export-model.ts): the graph after the backbone, what its output is, how closely it
// must reproduce the trainer, and what `hilt predict` writes for an image. One per task, in its factory.
import type { Graph } from '../onnx/graph.ts';
import type { RegionNamer } from '../heads/seg-naming.ts';

export interface ExportedLabel {
  index: number;
  id: number;
  name: string;
}
export type PredictRow =
  { file: string; class: string; classId: number; confidence: number; mask?: string } | { file: string; error: string };
/** the model's output for one image: probs [C] or [C, h, w] */
export interface ExportedOutput {
  probs: Float32Array;
  h: number;
  w: number;
}

/** segmentation: what names the shape regions (the export's region model), and the long side of the picture the
 *  regions are cut from */
export interface ExportedRegions {
  namer: RegionNamer;
  guideSide: number;
}

export interface ExportedHead {
  /** head nodes from the backbone's tokens (`lhs` [B, 1+R+N, D], `patches` [B, N, D]) and the weights
   *  `A` [d, C], `b` [C] to the graph output `probs` */
  graph(
    g: Graph,
    t: { lhs: string; patches: string; A: string; b: string },
    h: { C: number; patchSize: number; pooled?: 'tokens' | 'pooler_output' },
  ): void;
  /** hilt.json's word on `probs` */
  outputs: string;
  /** how closely the exported model must reproduce the trainer's stored predictions, when a fixed tolerance
   *  says it (classification derives its bound per image: trainer/export-validate.ts) */
  tolerance?: Record<string, number>;
  passed?(maxAbsDiff: number, argmaxAgreement: number): boolean;
  /** `hilt predict` writes masks (to a folder next to --out) unless told where */
  writesMasks: boolean;
  /** `hilt predict`'s row for one image (`masks`: the folder its mask goes to, if any) */
  row(o: {
    file: string;
    buf: Buffer;
    out: ExportedOutput;
    labels: ExportedLabel[];
    masks?: string;
    regions?: ExportedRegions;
  }): Promise<PredictRow>;
}
