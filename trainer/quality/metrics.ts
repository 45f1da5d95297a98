// Evaluation metrics from a confusion matrix (rows = given class, columns = predicted), pure. Conventions
// follow scikit-learn's where they are defined, and say "undefined" (null) where sklearn would warn and
// print 0: precision of a class never predicted, recall of a class never given.

export interface ClassScores {
  support: number;
  predicted: number;
  precision: number | null;
  recall: number | null;
  f1: number | null;
  /** tp / (tp + fp + fn): the segmentation score */
  iou: number | null;
}
export interface Report {
  perClass: ClassScores[];
  n: number;
  accuracy: number | null;
  macroF1: number | null;
  miou: number | null;
}

/** C×C counts from paired class indices (rows = truth, columns = prediction); pairs outside 0..C-1 skipped. */
export function confusionMatrix(truth: ArrayLike<number>, pred: ArrayLike<number>, C: number): number[][] {
  const m = Array.from({ length: C }, () => new Array<number>(C).fill(0));
  for (let i = 0; i < truth.length; i++) {
    const t = truth[i],
      p = pred[i];
    if (t >= 0 && t < C && p >= 0 && p < C) m[t][p]++;
  }
  return m;
}

export function report(matrix: number[][]): Report {
  const C = matrix.length;
  let n = 0,
    diag = 0;
  const colSum = new Array<number>(C).fill(0);
  for (let r = 0; r < C; r++)
    for (let c = 0; c < C; c++) {
      n += matrix[r][c];
      colSum[c] += matrix[r][c];
      if (r === c) diag += matrix[r][c];
    }
  const perClass = matrix.map((row, c): ClassScores => {
    const tp = row[c],
      support = row.reduce((a, b) => a + b, 0),
      predicted = colSum[c];
    const fp = predicted - tp,
      fn = support - tp;
    return {
      support,
      predicted,
      precision: predicted ? tp / predicted : null,
      recall: support ? tp / support : null,
      // 2tp / (2tp + fp + fn) is the harmonic mean of precision and recall, and 0 (not undefined) when a
      // class that exists is never found
      f1: support ? (2 * tp) / (2 * tp + fp + fn) : null,
      iou: tp + fp + fn ? tp / (tp + fp + fn) : null,
    };
  });
  const given = perClass.filter((k) => k.support > 0);
  const ious = perClass.map((k) => k.iou).filter((v): v is number => v !== null);
  return {
    perClass,
    n,
    accuracy: n ? diag / n : null,
    macroF1: given.length ? given.reduce((a, k) => a + k.f1!, 0) / given.length : null,
    // mean over the classes that appear in the labels or the predictions (the trainer's val_miou too)
    miou: ious.length ? ious.reduce((a, b) => a + b, 0) / ious.length : null,
  };
}

/** Cross-entropy of one label, clipped so that a certain mistake costs a finite 16.1 nats. */
export function labelLoss(pGiven: number): number {
  return -Math.log(Math.max(pGiven, 1e-7));
}

/** Index of the largest of C values starting at `off`. */
export function argmax(p: ArrayLike<number>, off: number, C: number): number {
  let b = 0;
  for (let c = 1; c < C; c++) if (p[off + c] > p[off + b]) b = c;
  return b;
}

/** The `top` off-diagonal pairs {a, b} (a < b) by a→b plus b→a, most confused first; ties by index. */
export function confusedPairs(matrix: number[][], top = 3): { a: number; b: number; count: number; support: number }[] {
  const out: { a: number; b: number; count: number; support: number }[] = [];
  for (let a = 0; a < matrix.length; a++) {
    for (let b = a + 1; b < matrix.length; b++) {
      const count = matrix[a][b] + matrix[b][a];
      if (count > 0)
        out.push({ a, b, count, support: matrix[a].reduce((x, y) => x + y, 0) + matrix[b].reduce((x, y) => x + y, 0) });
    }
  }
  return out.sort((x, y) => y.count - x.count || x.a - y.a || x.b - y.b).slice(0, top);
}
