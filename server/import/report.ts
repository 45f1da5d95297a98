// What an import did, in its own module: the import orchestration and the tasks' importers both use it.
import type { Format } from './entry.ts';
import type { Skip } from './validate.ts';

export interface ImportReport {
  format: Format;
  added: number;
  /** same bytes as an image already imported (earlier in this import or before): imported once */
  duplicates: { file: string; sameAs: string }[];
  skipped: Skip[];
  /** files already in the session (same path; with copy, same bytes already copied) */
  alreadyPresent: number;
  classesCreated: string[];
  labelsSet: number;
  masksSet: number;
  /** things that did not stop the import: a task-lock conflict, COCO annotations ignored… */
  warnings: string[];
}
