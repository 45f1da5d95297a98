// Text for the header and stats: trainer status, counts, live accuracy. Pure, unit-tested.
import type { TrainerInfo } from '../api-types.ts';

export const fmt = (n: number) => n.toLocaleString('en-US');
/** "1 image", "2 images", "1,234 images" */
export const count = (n: number, word: string, plural = word + 's') => `${fmt(n)} ${n === 1 ? word : plural}`;

/** "embedding 1,234 of 10,000 on cpu with dinov3-vits16", "ready · model v3", "offline". */
export function trainerText(t: TrainerInfo | null | undefined): { text: string; tone: 'off' | 'busy' | 'ok' | 'bad' } {
  if (!t || !t.online) return { text: 'trainer offline', tone: 'off' };
  const s = t.status;
  if (!s) return { text: 'trainer connected', tone: 'busy' };
  const where = [s.device && `on ${s.device}`, s.backbone && `with ${s.backbone}`].filter(Boolean).join(' ');
  const model = s.modelVersion ? ` · model v${s.modelVersion}` : '';
  switch (s.phase) {
    case 'embedding':
      return {
        text: `embedding ${fmt(s.embedded)} of ${fmt(s.total)}${where ? ' ' + where : ''}${model}`,
        tone: 'busy',
      };
    case 'starting':
    case 'loading':
      return {
        text: `loading${s.backbone ? ' ' + s.backbone : ''}${s.device ? ' on ' + s.device : ''}…${s.message ? ' ' + s.message : ''}`,
        tone: 'busy',
      };
    case 'fitting':
      return { text: `fitting${model}`, tone: 'busy' };
    case 'ready':
      return { text: `ready${model}`, tone: 'ok' };
    case 'idle':
      return { text: `idle${model}`, tone: 'ok' };
    case 'error':
      return { text: `trainer error: ${s.message || 'unknown'}`, tone: 'bad' };
  }
  return { text: s.phase, tone: 'busy' };
}

const BACKBONE_SHORT: Record<string, string> = {
  'mobilenetv2-imagenet': 'ImageNet MobileNetV2',
  tiny: 'tiny, random weights',
  'vits16-random': 'random-weight ViT-S/16',
};

/** The header's backbone chip: what runs, in a few words ("ImageNet MobileNetV2 (DINOv3 offline)"), shown
 *  whenever it is not the DINOv3 that was asked for; the whole note (why, how to fix) is its tooltip. */
export function backboneChip(t: TrainerInfo | null | undefined): string {
  const s = t?.online ? t.status : null;
  if (!s?.backbone || !s.backboneNote || s.phase === 'loading' || s.phase === 'starting') return '';
  const name = BACKBONE_SHORT[s.backbone] ?? s.backbone;
  return /DINOv3 unavailable/.test(s.backboneNote)
    ? `${name} (DINOv3 offline)`
    : /^dinov3/.test(s.backbone)
      ? ''
      : name;
}

/** Accuracy over the last `w` prequential outcomes (1 = the shown prediction was right). */
export function windowAccuracy(series: number[], w: number): number | null {
  const tail = series.slice(-w);
  return tail.length ? tail.reduce((a, b) => a + b, 0) / tail.length : null;
}

/** Rolling accuracy at every step (the small learning curve). */
export function rollingAccuracy(series: number[], w: number): number[] {
  const out: number[] = [];
  let sum = 0;
  for (let i = 0; i < series.length; i++) {
    sum += series[i];
    if (i >= w) sum -= series[i - w];
    out.push(sum / Math.min(i + 1, w));
  }
  return out;
}

export const pct = (v: number | null | undefined) =>
  v === null || v === undefined || Number.isNaN(v) ? '—' : `${Math.round(v * 100)}%`;
