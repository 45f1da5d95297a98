// Is the prediction on screen the current model's? Pure, unit-tested. A prediction is kept in the
// session after the trainer goes away or refits; shown unmarked it reads as the model's opinion now.
import type { TrainerInfo } from '../api-types.ts';

/** null when the prediction is the current model's; otherwise why it may be out of date. */
export function staleNote(p: { modelVersion?: number } | null | undefined, t: TrainerInfo): string | null {
  if (!p) return null;
  const v = p.modelVersion;
  const from = v !== undefined ? `model v${v}` : 'an earlier model';
  if (!t.online) return `from ${from} — the trainer is offline, so it may be out of date`;
  const cur = t.status?.modelVersion ?? 0;
  // a status may lag a refit by a moment (v > cur): only an older prediction is stale
  if (cur === 0) return `from ${from} — the trainer has no model yet in this run`;
  if (v !== undefined && v < cur) return `from model v${v}; the current model is v${cur} (updating…)`;
  return null;
}
