// GET /api/stats from kept aggregates (the counters table) and bounded series, so it costs the same at
// 1M images as at 1k: totals and per-class / per-annotator counts are counters, live accuracy keeps its
// running n / correct and only the last LIVE_SERIES outcomes, metrics are thinned on write (trainer-sink).
import type { Db } from './db/open.ts';
import { counter, counts, countersWith } from './counters.ts';
import { stmt } from './db/prepared.ts';
import { listClasses } from './store.ts';

/** live-accuracy outcomes sent (the most recent ones): enough for any rolling window the UI offers */
export const LIVE_SERIES = 1000;

export function sessionStats(db: Db) {
  const c0 = counts(db);
  const per = countersWith(db, 'class:');
  const perClass = listClasses(db).map((k) => ({
    classId: k.id,
    name: k.name,
    color: k.color,
    count: per.get(String(k.id)) ?? 0,
  }));
  const perAnnotator = [...countersWith(db, 'annotator:')]
    .map(([annotator, count]) => ({ annotator, count }))
    .sort((a, b) => b.count - a.count);
  // live accuracy: the top-1 prediction the annotator saw vs the label they then gave (prequential);
  // newest first from the end of the log, then put back in order
  const recent = stmt(
    db,
    `select class_id = predicted_class_id as ok from events where type in ('set','accept')
    and class_id is not null and predicted_class_id is not null order by id desc limit ${LIVE_SERIES}`,
  ).all() as { ok: number }[];
  const series = recent.reverse().map((r) => r.ok);
  const n = counter(db, 'live_n');
  const metrics: Record<string, { step: number; value: number }[]> = Object.create(null);
  for (const m of stmt(db, 'select name, step, value from metrics order by id').all() as {
    name: string;
    step: number;
    value: number;
  }[]) {
    (metrics[m.name] ??= []).push({ step: m.step, value: m.value });
  }
  const confusion = stmt(db, `select value from settings where key = 'confusion'`).get() as
    { value: string } | undefined;
  return {
    total: c0.images,
    labelled: c0.labelled,
    skipped: c0.skipped,
    unlabelled: c0.unlabelled,
    perClass,
    perAnnotator,
    // series holds the last LIVE_SERIES outcomes; `from` is the 0-based index of its first one in the whole run
    live: { n, correct: counter(db, 'live_correct'), series, from: n - series.length },
    metrics,
    confusion: (confusion ? JSON.parse(confusion.value) : null) as { classIds: number[]; matrix: number[][] } | null,
  };
}
