// The one rule for class names, whichever way they come in: the API (POST/PATCH /api/classes), an
// import's CSV labels, class-folder names and COCO categories. 1–40 letters (any script), digits,
// spaces, _ - or ., starting with a letter or digit: never a spreadsheet formula (= + - @), a path or markup.
export const CLASS_NAME_RE = /^[\p{L}\p{N}][\p{L}\p{N} _\-.]{0,39}$/u;
export const CLASS_NAME_MSG =
  'class name must be 1–40 letters, digits, spaces, _ - or . and start with a letter or digit';

/** the name trimmed, or null when it breaks the rule */
export function checkClassName(raw: string): string | null {
  const name = raw.trim();
  return CLASS_NAME_RE.test(name) ? name : null;
}

/** Class colours: distinct, readable on dark and light backgrounds; cycled by class position. */
export const PALETTE = [
  '#e6194b',
  '#3cb44b',
  '#4363d8',
  '#f58231',
  '#911eb4',
  '#42d4f4',
  '#f032e6',
  '#bfef45',
  '#fabed4',
  '#469990',
  '#dcbeff',
  '#9a6324',
  '#800000',
  '#aaffc3',
  '#808000',
  '#000075',
];

/** the first palette colour no class uses yet (cycling once all are used) */
export const nextColor = (used: string[]) =>
  PALETTE.find((c) => !used.includes(c)) ?? PALETTE[used.length % PALETTE.length];
