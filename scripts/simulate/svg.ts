// The plot, hand-written SVG: test metric vs labels (strokes) per strategy — mean line, min–max band over
// repeats, the 90 % and 95 % targets, the ceiling, where each strategy crosses them, and a legend with the
// labels each strategy needed to reach them and the ratio to sequential.
import type { CurvePoint, Headline } from './report.ts';

export const COLORS: Record<string, string> = {
  sequential: '#555555',
  random: '#1f77b4',
  uncertain: '#d62728',
  diverse: '#2ca02c',
  minority: '#9467bd',
  mix: '#ff7f0e',
  typical: '#17becf',
};

export interface PlotInput {
  title: string;
  subtitle: string;
  xLabel: string;
  yLabel: string;
  /** one headline per target fraction (90 % first) */
  curves: Record<string, CurvePoint[]>;
  heads: Headline[];
  ceiling: number | null;
  ceilingLabel: string;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const r1 = (v: number) => Math.round(v * 10) / 10;

/** ~n "nice" ticks (1, 2, 5 × 10^k steps) covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, n = 6, integer = false): number[] {
  const span = hi - lo || 1,
    raw = span / n,
    mag = 10 ** Math.floor(Math.log10(raw));
  const step = Math.max(
    integer ? 1 : 0,
    [1, 2, 2.5, 5, 10].map((k) => k * mag).find((s) => s >= raw && (!integer || Number.isInteger(s))) ?? 10 * mag,
  );
  const out: number[] = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + 1e-9; v += step) out.push(Math.round(v / step) * step);
  return out;
}

export function plotSvg(p: PlotInput): string {
  const W = 900,
    H = 480,
    L = 64,
    R = 316,
    T = 58,
    B = 52;
  const head = p.heads[0];
  const pw = W - L - R,
    ph = H - T - B;
  const xOf = (c: CurvePoint) => (head.x === 'labels' ? c.labels : c.strokes);
  const all = Object.values(p.curves)
    .flat()
    .filter((c) => c.mean !== null);
  const dataMax = Math.max(1, ...Object.values(p.curves).flat().map(xOf));
  // the x axis ends on a tick
  const xt = niceTicks(0, dataMax, 8, true),
    xStep = xt.length > 1 ? xt[1] - xt[0] : 1;
  const xMax = xt[xt.length - 1] >= dataMax ? xt[xt.length - 1] : xt[xt.length - 1] + xStep;
  const ys = [...all.flatMap((c) => [c.min!, c.max!]), ...(p.ceiling !== null ? [p.ceiling] : [])];
  let yLo = ys.length ? Math.floor(Math.min(...ys) * 10) / 10 : 0,
    yHi = ys.length ? Math.ceil(Math.max(...ys) * 10) / 10 : 1;
  yLo = Math.max(0, Math.min(yLo, yHi - 0.1));
  yHi = Math.min(1, Math.max(yHi, yLo + 0.1));
  const X = (v: number) => r1(L + (v / xMax) * pw),
    Y = (v: number) => r1(T + ph - ((v - yLo) / (yHi - yLo)) * ph);
  const o: string[] = [];
  o.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
  );
  o.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`);
  o.push(`<text x="${L}" y="22" font-size="15" font-weight="bold">${esc(p.title)}</text>`);
  o.push(`<text x="${L}" y="40" fill="#555">${esc(p.subtitle)}</text>`);
  // grid, ticks, axes
  for (const t of [...xt, ...(xMax > xt[xt.length - 1] ? [xMax] : [])]) {
    o.push(`<line x1="${X(t)}" y1="${T}" x2="${X(t)}" y2="${T + ph}" stroke="#eee"/>`);
    o.push(`<text x="${X(t)}" y="${T + ph + 16}" text-anchor="middle" fill="#333">${t}</text>`);
  }
  for (const t of niceTicks(yLo, yHi, 6)) {
    o.push(`<line x1="${L}" y1="${Y(t)}" x2="${L + pw}" y2="${Y(t)}" stroke="#eee"/>`);
    o.push(`<text x="${L - 6}" y="${Y(t) + 4}" text-anchor="end" fill="#333">${+t.toFixed(2)}</text>`);
  }
  o.push(`<rect x="${L}" y="${T}" width="${pw}" height="${ph}" fill="none" stroke="#999"/>`);
  o.push(`<text x="${L + pw / 2}" y="${H - 12}" text-anchor="middle" font-size="13">${esc(p.xLabel)}</text>`);
  o.push(
    `<text transform="translate(16 ${T + ph / 2}) rotate(-90)" text-anchor="middle" font-size="13">${esc(p.yLabel)}</text>`,
  );
  // reference lines
  if (p.ceiling !== null && p.ceiling >= yLo && p.ceiling <= yHi) {
    o.push(
      `<line class="ceiling" x1="${L}" y1="${Y(p.ceiling)}" x2="${L + pw}" y2="${Y(p.ceiling)}" stroke="#000" stroke-dasharray="2 3"/>`,
    );
  }
  const DASH = ['6 4', '10 3 2 3'];
  p.heads.forEach((h, k) => {
    if (h.target !== null)
      o.push(
        `<line class="target" data-fraction="${h.fraction}" x1="${L}" y1="${Y(h.target)}" x2="${L + pw}" y2="${Y(h.target)}" stroke="#000" stroke-dasharray="${DASH[k % 2]}" stroke-opacity="0.7"/>`,
      );
  });
  o.push(`<defs><clipPath id="plot"><rect x="${L}" y="${T}" width="${pw}" height="${ph}"/></clipPath></defs>`);
  // bands first (under every line), then lines, then crossing markers
  const strategies = Object.keys(p.curves);
  for (const s of strategies) {
    const c = p.curves[s].filter((q) => q.mean !== null);
    if (c.length < 2 || c.every((q) => q.n < 2)) continue;
    const top = c.map((q) => `${X(xOf(q))},${Y(q.max!)}`),
      bot = c
        .slice()
        .reverse()
        .map((q) => `${X(xOf(q))},${Y(q.min!)}`);
    o.push(
      `<path class="band" data-strategy="${s}" d="M${[...top, ...bot].join(' L')} Z" fill="${COLORS[s] ?? '#888'}" fill-opacity="0.13" stroke="none" clip-path="url(#plot)"/>`,
    );
  }
  for (const s of strategies) {
    const c = p.curves[s].filter((q) => q.mean !== null);
    const d = c.length ? `M${c.map((q) => `${X(xOf(q))},${Y(q.mean!)}`).join(' L')}` : 'M0,0';
    o.push(
      `<path class="line" data-strategy="${s}" d="${d}" fill="none" stroke="${COLORS[s] ?? '#888'}" stroke-width="${s === 'sequential' ? 2.5 : 2}"${s === 'sequential' ? ' stroke-dasharray="7 3"' : ''} stroke-linejoin="round" clip-path="url(#plot)"/>`,
    );
  }
  p.heads.forEach((h, k) => {
    if (h.target === null) return;
    for (const s of strategies) {
      const n = h.perStrategy[s]?.needed;
      if (n !== null && n !== undefined && n <= xMax)
        o.push(
          `<circle class="cross" data-strategy="${s}" data-fraction="${h.fraction}" cx="${X(n)}" cy="${Y(h.target)}" r="${k ? 3.5 : 4.5}" fill="${COLORS[s] ?? '#888'}" stroke="#fff" stroke-width="1.5"/>`,
        );
    }
  });
  // legend: strategy, then per target the labels to reach it and the ratio to sequential
  const lx = L + pw + 18,
    col = (k: number) => lx + 178 + k * 112;
  o.push(`<text x="${lx}" y="${T + 4}" font-weight="bold">strategy</text>`);
  p.heads.forEach((h, k) =>
    o.push(
      `<text x="${col(k)}" y="${T + 4}" font-weight="bold" text-anchor="end">to ${Math.round(h.fraction * 100)} %</text>`,
    ),
  );
  strategies.forEach((s, i) => {
    const y = T + 26 + i * 22;
    o.push(
      `<line x1="${lx}" y1="${y - 4}" x2="${lx + 22}" y2="${y - 4}" stroke="${COLORS[s] ?? '#888'}" stroke-width="3"${s === 'sequential' ? ' stroke-dasharray="7 3"' : ''}/>`,
    );
    o.push(`<text x="${lx + 28}" y="${y}">${esc(s)}</text>`);
    p.heads.forEach((hh, k) => {
      const h = hh.perStrategy[s];
      const needed =
        h?.needed === null || h?.needed === undefined
          ? '> budget'
          : `${h.needed}${h.ratioToSequential !== null && s !== 'sequential' ? ` (${h.ratioToSequential.toFixed(2)}×)` : ''}`;
      o.push(`<text x="${col(k)}" y="${y}" text-anchor="end">${esc(needed)}</text>`);
    });
  });
  // the reference lines are explained here, not on the plot, where they would cross the curves
  let ry = T + 26 + strategies.length * 22 + 6;
  const refLine = (dash: string, text: string) => {
    o.push(`<line x1="${lx}" y1="${ry - 4}" x2="${lx + 22}" y2="${ry - 4}" stroke="#000" stroke-dasharray="${dash}"/>`);
    o.push(`<text x="${lx + 28}" y="${ry}" font-size="11">${esc(text)}</text>`);
    ry += 18;
  };
  p.heads.forEach((h, k) => {
    if (h.target !== null)
      refLine(
        DASH[k % 2],
        `target ${h.target.toFixed(3)} = ${Math.round(h.fraction * 100)} % of ${h.reference!.toFixed(3)} (final)`,
      );
  });
  if (p.ceiling !== null) refLine('2 3', `ceiling ${p.ceiling.toFixed(3)}`);
  if (p.ceiling !== null) {
    // a head fitted on everything: what the label is, wrapped to the legend's width
    const words = `(${p.ceilingLabel})`.split(' '),
      lines: string[] = [''];
    for (const w of words) {
      if ((lines[lines.length - 1] + ' ' + w).trim().length > 46) lines.push('');
      lines[lines.length - 1] = (lines[lines.length - 1] + ' ' + w).trim();
    }
    for (const l of lines) {
      o.push(`<text x="${lx + 28}" y="${ry - 4}" fill="#555" font-size="11">${esc(l)}</text>`);
      ry += 14;
    }
  }
  const ly = ry + 8;
  o.push(`<text x="${lx}" y="${ly}" fill="#555" font-size="11">line = mean over repeats,</text>`);
  o.push(`<text x="${lx}" y="${ly + 14}" fill="#555" font-size="11">band = min–max, dot = target reached,</text>`);
  o.push(`<text x="${lx}" y="${ly + 28}" fill="#555" font-size="11">(×) = ratio to sequential</text>`);
  o.push('</svg>');
  return o.join('\n') + '\n';
}
