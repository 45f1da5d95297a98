// What a task is in the browser (docs/ARCHITECTURE.md): how it is offered on the home page, which key
// labels with class i, what its labelling page keeps in the image cache, its Browse filters, its review
// and evaluation wording. Plain data, so that stores and the keymap can read it; the task's components
// (its labelling page, its stats view) are registered in ./views.tsx.
import type { ListQuery } from '../api.ts';
import type { Task } from '../types.ts';

/** a Browse "show" filter: its label and the query it adds */
export interface BrowseState {
  id: string;
  label: string;
  query: Partial<ListQuery>;
}

export interface WebTask {
  name: Task;
  /** home page card */
  title: string;
  text: string;
  /** the key that opens it on the home page (action `home.<name>`) */
  homeKey: string;
  /** the key action that picks the class of digit d (keys/class-keys.ts) on its labelling page: the classes panel shows it */
  classAction(d: number): string;
  /** the labelling page: keep the saved mask in the image cache; patch cached annotations from socket frames */
  labelling: { withMask: boolean; patchAnnotations: boolean };
  browse: {
    /** "show" filters, the first is "all" */
    states: readonly BrowseState[];
    /** the class filter: its label, and the query for a class */
    classFilter: { label: string; query(classId: number | undefined): Partial<ListQuery> };
    /** a "predicted" class filter */
    predictedFilter: boolean;
    /** mask thumbnails instead of label tags */
    maskThumbs: boolean;
  };
  review: {
    /** relabelling from the review panel (else: open the image to fix it) */
    relabel: boolean;
    /** the model's side of a flagged item, in words */
    explain(score: number, given: string): string;
  };
  evaluation: {
    /** the headline metric's field in the evaluation and its name */
    headline: { field: 'accuracy' | 'miou'; label: string };
    macroF1: boolean;
    /** per-class and per-image IoU columns */
    iou: boolean;
    words: { given: string; predicted: string; support: string; mean: string };
    /** what a val-side image's label does (the header's `val` chip says it), and the evaluation headline's
     *  words for the images its model was trained on */
    valSide: string;
    trainedOn: string;
  };
}
