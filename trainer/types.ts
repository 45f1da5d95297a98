// What the training loop needs from an embedder; trainer/embedder.ts adapts the backbone to it.
import type { Grid } from './features.ts';

export type EmbedMode = 'pooled' | 'grid';
export interface EmbedItem {
  id: number;
  sha: string;
  source: () => Promise<Buffer | string>;
}
export interface EmbedResult {
  id: number;
  pooled?: Float32Array;
  grid?: Grid;
  error?: string;
}
export interface Embedder {
  info: {
    backbone: string;
    device: string;
    note: string;
    /** the feature cache's key: backbone, its folder's config hash, input sizes (trainer/embedder.ts) */
    key: string;
    /** what an exported model needs to rebuild the trainer's input and read its tokens */
    dir?: string;
    patchSize?: number;
    registers?: number;
    resolution?: number;
    segShortSide?: number;
  };
  batchSize: number;
  embed(items: EmbedItem[], mode: EmbedMode): Promise<EmbedResult[]>;
  /** pooled embeddings of square RGB crops [side, side, 3], each at its own side (segmentation's region crops) */
  embedCrops(crops: Uint8Array[], side: number): Promise<Float32Array[]>;
  /** start decoding these while the current batch runs, so inference never waits for sharp */
  prefetch?(items: EmbedItem[], mode: EmbedMode): void;
  dispose?(): Promise<void>;
}
export interface TrainerIO {
  send(msg: import('../common/protocol.ts').TrainerToServer): void;
  /** the session's API on the server (http://host:port/api/sessions/NAME), for image bytes the trainer cannot read from disk */
  httpBase: string;
  /** sent with those HTTP requests: the server token off loopback */
  httpHeaders?: Record<string, string>;
  log(line: string): void;
}
