// The training "sanity checks", pure: what needs attention, what to do about it, and
// which images to look at. The server adds the one it can see better (the model lagging behind the labels,
// server/insights.ts). Thresholds are named so the tests and the docs can cite them.
import type { Hint, Task } from '../../common/protocol.ts';
import { confusedPairs } from './metrics.ts';

export const HINT = {
  /** a class with fewer labels than this gets a `few_labels` hint (segmentation: images showing it) */
  fewLabels: 5,
  /** most / fewest labels per class at or above this is `imbalance` (with at least `imbalanceMin` labels) */
  imbalance: 5,
  imbalanceMin: 20,
  /** val metric within this of chance, on at least `chanceMinVal` val images, is `near_chance` */
  chanceMargin: 0.1,
  chanceMinVal: 10,
  /** a pair of classes mixed up at least this often, and in at least this share of their val support */
  confusedMin: 2,
  confusedShare: 0.1,
} as const;

export interface HintClass {
  id: number;
  name: string;
  count: number;
}
export interface HintInput {
  /** the task the hints are for */
  task: Task;
  /** what a class's count counts and what `weights` measure, in words (default: label / labels) */
  units?: { count: string; weight: string };
  /** every class of the session, with its label count (segmentation: labelled images showing it) */
  classes: HintClass[];
  /** what imbalance is measured on (segmentation: labelled patches per class), classes order; default count */
  weights?: number[];
  /** candidates to label for a class (unlabelled images the model thinks are that class), by class id */
  candidates?: (classId: number) => number[];
  /** val: the headline metric, its chance level, how many val images, and the images it got most wrong */
  val: { metric: string; value: number | null; chance: number; n: number; worst: number[] } | null;
  /** val confusion over `confusionIds` (class ids of its rows), and the val images in a cell */
  confusion: {
    classIds: number[];
    matrix: number[][];
    unit: 'images' | 'patches';
    images(a: number, b: number): number[];
  } | null;
  /** labelled pairs (image ids) of near-identical pictures (by their pixels) with different labels */
  duplicates: { a: number; b: number }[];
  labelOf?: (imageId: number) => number | null;
}

const q = (s: string) => `"${s}"`;

export function computeHints(inp: HintInput): Hint[] {
  const out: Hint[] = [];
  const name = (id: number) => inp.classes.find((k) => k.id === id)?.name ?? `#${id}`;
  const unit = inp.units?.count ?? 'label';
  const few = inp.classes.filter((k) => k.count < HINT.fewLabels);
  for (const k of few.slice(0, 6)) {
    const ids = inp.candidates?.(k.id).slice(0, 24) ?? [];
    out.push({
      code: 'few_labels',
      severity: 'warning',
      classIds: [k.id],
      imageIds: ids,
      message:
        `${q(k.name)} has ${k.count === 0 ? 'no' : `only ${k.count}`} ${unit}${k.count === 1 ? '' : 's'}: give it at least ${HINT.fewLabels}` +
        (ids.length
          ? ` — the next-image strategy "by class: ${k.name}" shows the images the model thinks are ${k.name} (linked).`
          : ' (find a few by browsing).'),
    });
  }
  const w = inp.weights ?? inp.classes.map((k) => k.count);
  // classes with too few labels already have their own hint: imbalance is about the rest
  const present = inp.classes.map((k, i) => ({ k, w: w[i] })).filter((x) => x.w > 0 && x.k.count >= HINT.fewLabels);
  const total = inp.classes.reduce((a, k) => a + k.count, 0);
  if (present.length >= 2 && total >= HINT.imbalanceMin) {
    const most = present.reduce((a, b) => (b.w > a.w ? b : a)),
      least = present.reduce((a, b) => (b.w < a.w ? b : a));
    const ratio = most.w / least.w;
    if (ratio >= HINT.imbalance) {
      const what = inp.units?.weight ?? 'labels';
      out.push({
        code: 'imbalance',
        severity: 'info',
        classIds: [least.k.id, most.k.id],
        imageIds: inp.candidates?.(least.k.id).slice(0, 24) ?? [],
        message:
          `Strong class imbalance: ${q(most.k.name)} has ${ratio.toFixed(1)}× the ${what} of ${q(least.k.name)}. The head weighs classes evenly, ` +
          `but ${least.k.name} is learned from few examples: label more ${least.k.name} (the "minority frontier" strategy looks for them).`,
      });
    }
  }
  const v = inp.val;
  if (v && v.value !== null && v.n >= HINT.chanceMinVal && v.value <= v.chance + HINT.chanceMargin) {
    out.push({
      code: 'near_chance',
      severity: 'warning',
      imageIds: v.worst.slice(0, 24),
      message:
        `Validation ${v.metric} ${v.value.toFixed(2)} is near chance (${v.chance.toFixed(2)}) on ${v.n} images: check that the classes look different ` +
        `in the pictures, look at the validation images it gets most wrong (linked) for label errors, and label more.`,
    });
  }
  const cm = inp.confusion;
  if (cm) {
    for (const p of confusedPairs(cm.matrix, 3)) {
      if (p.count < HINT.confusedMin || p.count < HINT.confusedShare * p.support) continue;
      const a = cm.classIds[p.a],
        b = cm.classIds[p.b];
      const ids = [...cm.images(p.a, p.b), ...cm.images(p.b, p.a)].slice(0, 48);
      out.push({
        code: 'confused_pair',
        severity: 'info',
        classIds: [a, b],
        imageIds: ids,
        message:
          `The model confuses ${q(name(a))} and ${q(name(b))} (${p.count} of ${p.support} validation ${cm.unit}): label more of both, ` +
          `and check that they are labelled consistently (the mixed-up images are linked).`,
      });
    }
  }
  if (inp.duplicates.length) {
    const d0 = inp.duplicates[0],
      l = inp.labelOf ?? (() => null);
    const la = l(d0.a),
      lb = l(d0.b);
    out.push({
      code: 'near_duplicates',
      severity: 'warning',
      imageIds: inp.duplicates.flatMap((p) => [p.a, p.b]).slice(0, 100),
      message:
        `${inp.duplicates.length} pair${inp.duplicates.length === 1 ? '' : 's'} of near-identical images carr${inp.duplicates.length === 1 ? 'ies' : 'y'} different labels ` +
        `(e.g. #${d0.a}${la !== null ? ` ${q(name(la))}` : ''} and #${d0.b}${lb !== null ? ` ${q(name(lb))}` : ''}): one of each pair is probably wrong — open them (linked) and fix one.`,
    });
  }
  return out;
}
