// Which digit picks which class, the same rule in every task and panel: a class named "background" is
// `0`, the others are `1`–`9` in class order. So "circle" is `1` in a classification session and in a
// segmentation session whose first class is background. Pure: unit-tested under Node.

interface Named {
  id: number;
  name: string;
}

export const isBackground = (k: Named) => /^\s*background\s*$/i.test(k.name);

/** The class digit `d` (0–9) picks, if any. */
export function classByDigit<K extends Named>(classes: readonly K[], d: number): K | undefined {
  if (d === 0) return classes.find(isBackground);
  return classes.filter((k) => !isBackground(k))[d - 1];
}

/** The digit (0–9) that picks class `id`; null for a class past the ninth or one not in the list. */
export function digitOf(classes: readonly Named[], id: number): number | null {
  const k = classes.find((c) => c.id === id);
  if (!k) return null;
  if (isBackground(k)) return classes.find(isBackground) === k ? 0 : null;
  const i = classes.filter((c) => !isBackground(c)).indexOf(k);
  return i >= 0 && i < 9 ? i + 1 : null;
}
