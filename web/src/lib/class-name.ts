// Client-side check of a class name with the server's own rule, so mistakes show while typing.
import { CLASS_NAME_RE as NAME_RE } from '../../../common/class-names.ts';

export function classNameProblem(name: string, existing: { id: number; name: string }[], self?: number): string | null {
  const n = name.trim();
  if (!n) return 'Type a name.';
  if (n.length > 40) return 'At most 40 characters.';
  if (!NAME_RE.test(n)) return 'Letters, digits, spaces, _ - or . — starting with a letter or digit.';
  if (existing.some((k) => k.id !== self && k.name.toLowerCase() === n.toLowerCase()))
    return `There is already a class "${n}".`;
  return null;
}

export { nextColor } from '../../../common/class-names.ts';

/** What GET /api/classes/:id/usage says a removal touches. */
export type Usage = { annotations: number; labels?: number; masks?: number; points?: number };

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** "This deletes 5 labels of this class …" / "… removes its pixels from 3 masks and 2 points …" */
export function removalText(u: Usage): string {
  const labels = u.labels ?? (u.masks === undefined ? u.annotations : 0);
  const parts: string[] = [];
  if (labels) parts.push(`deletes ${plural(labels, 'label')} of this class`);
  if (u.masks || u.points)
    parts.push(`removes its pixels from ${plural(u.masks ?? 0, 'mask')} and ${plural(u.points ?? 0, 'point')}`);
  const what = parts.length
    ? `This ${parts.join(' and ')} (${plural(u.annotations, 'annotation')} changed)`
    : 'No annotation uses this class';
  return `${what}, and the model resets: its predictions and suggestions are dropped until the trainer refits.`;
}
