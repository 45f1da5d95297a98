// Segmentation in the browser: masks painted over the predicted map (pages/segment.tsx).
import type { WebTask } from './task.ts';

export const segmentation = {
  name: 'segmentation',
  title: 'Segmentation',
  text: 'Paint class masks with brush, eraser, points and polygons over the predicted map.',
  homeKey: '2',
  classAction: (d) => `segment.class${d}`,
  labelling: { withMask: true, patchAnnotations: false },
  browse: {
    // a mask or not (an image with points only has none); "wrong vs prediction" has no meaning here
    states: [
      { id: 'all', label: 'all', query: {} },
      { id: 'mask', label: 'has mask', query: { mask: 1 } },
      { id: 'nomask', label: 'no mask', query: { mask: 0 } },
      { id: 'review', label: 'likely label errors', query: { review: true } },
    ],
    classFilter: { label: 'contains', query: (id) => ({ contains: id }) },
    predictedFilter: false,
    maskThumbs: true,
  },
  review: {
    relabel: false,
    explain: (score) => `— on ${Math.round(score * 100)} % of the labelled patches`,
  },
  evaluation: {
    headline: { field: 'miou', label: 'mIoU at the patch grid' },
    macroF1: false,
    iou: true,
    words: {
      given: 'mostly labelled',
      predicted: 'mostly predicted',
      support: 'labelled val patches of this class',
      mean: 'mean (mIoU)',
    },
    valSide:
      'its mask trains the model you label with, and is scored by a head fitted on the other (train-side) masks on the Evaluation page',
    trainedOn: 'by a head fitted on the other',
  },
} as const satisfies WebTask;
