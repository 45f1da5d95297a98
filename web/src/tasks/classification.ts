// Classification in the browser: one label per image by keyboard (pages/classify.tsx).
import type { WebTask } from './task.ts';

export const classification = {
  name: 'classification',
  title: 'Classification',
  text: 'One label per image, by keyboard. The model suggests, you confirm or correct.',
  homeKey: '1',
  classAction: (d) => `classify.label${d}`,
  labelling: { withMask: false, patchAnnotations: true },
  browse: {
    states: [
      { id: 'all', label: 'all', query: {} },
      { id: 'unlabelled', label: 'unlabelled', query: { unlabelled: true } },
      { id: 'labelled', label: 'labelled', query: { labelled: true } },
      { id: 'wrong', label: 'wrong vs prediction', query: { wrong: true } },
      { id: 'review', label: 'likely label errors', query: { review: true } },
    ],
    classFilter: { label: 'label', query: (id) => ({ label: id }) },
    predictedFilter: true,
    maskThumbs: false,
  },
  review: {
    relabel: true,
    explain: (score, given) =>
      `— “${given}” is wrong with probability ${score.toFixed(2)}, by heads fitted without this image`,
  },
  evaluation: {
    headline: { field: 'accuracy', label: 'accuracy' },
    macroF1: true,
    iou: false,
    words: {
      given: 'given',
      predicted: 'predicted',
      support: 'val images labelled with this class',
      mean: 'macro average',
    },
    valSide: 'its label scores the model on the Evaluation page and never trains it',
    trainedOn: 'trained on',
  },
} as const satisfies WebTask;
