// simulate.json → the curves and headlines (90 % and 95 % of the final metric), then simulate.json (with
// them), simulate.md and simulate.svg. Everything is derived from the runs, so `hilt simulate --report
// simulate.json` re-renders a measurement after the report changed, without running it again.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { aggregate, FRACTIONS, headline, markdown, type CurvePoint, type Headline } from './report.ts';
import { reviewMarkdown, type ReviewSummary } from './noise.ts';
import type { RunResult } from './run.ts';
import { plotSvg } from './svg.ts';
import { upsamplingTable } from './upsampling-report.ts';
import { fewLabelTable } from './few-label-report.ts';
import { pickShares, picksMarkdown } from './picks.ts';
import { eceMarkdown, eceRows } from './calibration-report.ts';

/** What a measurement keeps: the runs and how they were made (the rest is derived). */
export interface SimRecord {
  version: 1;
  date: string;
  machine: { cores: number; cpu: string; node: string; platform: string };
  seconds: number;
  options: {
    task: 'classification' | 'segmentation';
    backbone: string;
    resolution: number;
    budget: number;
    every: number;
    repeats: number;
    seed: number;
    [k: string]: unknown;
  };
  dataset: { name: string; task: string; classes: string[]; pool: number; test: number; skipped: number };
  metric: string;
  ceiling: number | null;
  runs: Record<string, RunResult[]>;
  notes: string[];
  review?: { noise: number; perStrategy: Record<string, ReviewSummary | null> };
  [k: string]: unknown;
}
export interface Report {
  files: { json: string; md: string; svg: string };
  curves: Record<string, CurvePoint[]>;
  headline: Headline;
  headlines: Headline[];
}

export function writeReport(rec: SimRecord, out: string): Report {
  const seg = rec.options.task === 'segmentation',
    o = rec.options,
    ds = rec.dataset;
  const x = seg ? 'strokes' : 'labels';
  // the repeats the runs hold (a measurement may merge parts run separately, see --first-repeat)
  const reps = new Set(
    Object.values(rec.runs)
      .flat()
      .map((r) => r.repeat),
  ).size;
  const curves = Object.fromEntries(Object.entries(rec.runs).map(([s, rs]) => [s, aggregate(rs)]));
  const headlines = FRACTIONS.map((f) => headline(curves, rec.runs, x, f));
  const head = headlines[0];
  const upsampling = seg ? upsamplingTable(rec.runs) : null;
  const few = seg ? fewLabelTable(rec.runs) : null;
  const files = { json: join(out, 'simulate.json'), md: join(out, 'simulate.md'), svg: join(out, 'simulate.svg') };
  const { runs, notes, ...rest } = rec;
  const picks = pickShares(runs),
    ece = eceRows(runs);
  writeFileSync(
    files.json,
    JSON.stringify(
      {
        ...rest,
        x: head.x,
        headline: head,
        headlines,
        curves,
        picks,
        ...(ece.length ? { ece } : {}),
        ...(upsampling ? { upsampling: upsampling.rows } : {}),
        ...(few ? { fewLabels: few.rows } : {}),
        runs,
        notes,
      },
      null,
      1,
    ),
  );
  const ceilingLabel = seg
    ? `a head on the dense true masks of all ${ds.pool} pool images`
    : `a head on all ${ds.pool} pool labels`;
  const machineLine = `Machine: ${rec.machine.cores} cores (${rec.machine.cpu}), Node ${rec.machine.node}`;
  const optionsLine = `Backbone ${o.backbone} (resolution ${o.resolution}${seg ? `, segmentation short side ${o.resolution * 2}` : ''}), budget ${o.budget}, evaluated every ${o.every}, ${reps} repeat${reps > 1 ? 's' : ''}, seed ${o.seed}`;
  writeFileSync(
    files.md,
    markdown({
      title: `hilt simulate — ${seg ? 'segmentation' : 'classification'}: ${ds.name}`,
      dataset: `Data: ${ds.name}, ${ds.pool} pool + ${ds.test} held-out test images`,
      metricName: rec.metric,
      machine: machineLine,
      options: optionsLine,
      seconds: rec.seconds,
      curves,
      heads: headlines,
      ceiling: rec.ceiling,
      ceilingLabel,
      notes,
    }) +
      [...picksMarkdown(picks), ...eceMarkdown(ece)].join('\n') +
      '\n' +
      (rec.review ? reviewMarkdown(rec.review.noise, rec.review.perStrategy).join('\n') + '\n' : '') +
      (upsampling?.md ?? '') +
      (few?.md ?? ''),
  );
  writeFileSync(
    files.svg,
    plotSvg({
      title: `${seg ? 'Segmentation' : 'Classification'}: test ${rec.metric} vs ${x}`,
      subtitle: `${ds.name} · ${ds.pool} pool / ${ds.test} test · backbone ${o.backbone} · ${reps} repeat${reps > 1 ? 's' : ''}`,
      xLabel: seg ? 'strokes painted (mean over repeats)' : 'labels given',
      yLabel: `test ${rec.metric} (held out)`,
      curves,
      heads: headlines,
      ceiling: rec.ceiling,
      ceilingLabel,
    }),
  );
  return { files, curves, headline: head, headlines };
}
