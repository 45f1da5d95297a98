// What a task is on the server (docs/ARCHITECTURE.md): what PUT /annotation accepts for it, what
// accept-prediction writes, the prediction it stores, the export formats it offers, its /api/stats
// counts and the annotations an import brings. One module per task, registered in ./index.ts.
import type { z } from 'zod';
import type { Ctx } from '../context.ts';
import type { Db } from '../db/open.ts';
import type { AnnotationRow, ImageRow, PredictionRow } from '../db/schema.ts';
import type { ExportFormat } from '../export-formats.ts';
import type { ImportReport } from '../import/report.ts';
import type { Entry, SourcePlan } from '../import/sources.ts';
import type { Prediction, Task } from '../../common/protocol.ts';
import type { Session } from '../session.ts';

/** imported entries → the image row each became */
export type ImportedIds = Map<Entry, { id: number; width: number; height: number }>;

/** Per-class counts for GET /api/stats (a task's own view adds fields, e.g. mask pixels). */
export interface ClassStat {
  classId: number;
  name: string;
  color: string;
  count: number;
  pixels?: number;
  share?: number;
  points?: number;
}

/** Fields a task's view adds to GET /api/stats, by the task that adds them. */
export interface StatsExtras {
  segmentation: { labelledPixels: number; masks: number };
}

export interface ServerTask<I extends { kind: string } = { kind: string }> {
  name: Task;
  /** the shapes of the PUT /api/images/:id/annotation bodies of this task, one per kind (zod, by `kind`) */
  inputs: readonly z.ZodType<I>[];
  kinds: readonly I['kind'][];
  /** a body of one of `kinds`, already of the right shape, checked against the image (decoding what it
   *  must, no database): the row to write and the class ids it names */
  annotation(
    img: ImageRow,
    body: I,
    who: { annotator: string; now: number },
  ): Promise<{ row: AnnotationRow; classIds: number[] }>;
  /** throws when one of those class ids is not a class of the session; runs inside the write's transaction */
  checkClasses(db: Db, classIds: number[]): void;
  /** accept-prediction: the body the stored prediction becomes (the image's annotation so far given) */
  accepted(img: ImageRow, p: PredictionRow, before: AnnotationRow | undefined): Promise<I>;
  /** the predictions of this task (trainer frames): what one is called, whether this is one, what is wrong with it */
  prediction: {
    noun: string;
    owns(p: Prediction): boolean;
    problem(p: Prediction, classes: Set<number>): string | null;
  };
  /** the export formats a session of this task offers */
  exportFormats: readonly ExportFormat[];
  /** /api/stats: per-class counts of this task's own (replacing the label counts) and extra fields */
  stats?(ctx: Ctx): Promise<{ perClass: ClassStat[]; extra: Partial<StatsExtras> }>;
  /** an import's annotations of this task: the entries that carry them, and writing them (`lock`: no task yet) */
  importer: {
    entries(plan: SourcePlan, imported: ImportedIds): Entry[];
    apply(
      session: Session,
      plan: SourcePlan,
      entries: Entry[],
      imported: ImportedIds,
      report: ImportReport,
      lock: boolean,
    ): Promise<void>;
  };
}
