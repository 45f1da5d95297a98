// What an import source lists: its own module, so the source readers, the folder walk and the root
// confinement can all name it without importing each other.
import type { Rle } from '../masks.ts';

export type Format = 'folder' | 'class-folders' | 'csv' | 'coco';
export interface CocoAnn {
  categoryId: number;
  segmentation: number[][] | Rle;
}
export interface Entry {
  file: string;
  /** class name (class-folders, CSV) */
  label?: string;
  /** COCO: the size the annotations were drawn on, and the annotations */
  coco?: { width: number; height: number; anns: CocoAnn[] };
  /** where it was listed: the CSV line or the COCO image's position (1-based), for messages */
  index?: number;
}
