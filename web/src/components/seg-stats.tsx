// Stats for segmentation: per class, the images that contain it and its share of the labelled pixels
// (from masks and points, not labels); val mIoU (patch grid, and of the accepted masks) and per-class IoU against the number of labelled images.
// No live accuracy: a shown map is not "right or wrong" the way a label is.
import { For, Show } from 'solid-js';
import { count, fmt, pct } from '../lib/format.ts';
import { LineChart, type Series } from './line-chart.tsx';
import type { Class } from '../types.ts';
import type { Stats } from '../api-types.ts';

export function SegStats(props: { stats: Stats; classes: Class[] }) {
  const s = () => props.stats;
  const maxShare = () => Math.max(0.0001, ...s().perClass.map((c) => c.share ?? 0));
  const nameOf = (id: number) => props.classes.find((k) => k.id === id);
  const curve = (name: string) => (s().metrics[name] ?? []).map((p) => ({ x: p.step, y: p.value }));
  const iouSeries = (): Series[] => [
    ...(s().metrics.val_miou ? [{ label: 'val mIoU (patches)', color: '#f0f6fc', points: curve('val_miou') }] : []),
    ...(s().metrics.val_miou_accepted
      ? [{ label: 'val mIoU (accepted masks)', color: '#f778ba', points: curve('val_miou_accepted') }]
      : []),
    ...Object.keys(s().metrics)
      .filter((n) => n.startsWith('val_iou:'))
      .map((n) => {
        const k = nameOf(Number(n.slice(8)));
        return { label: `IoU ${k?.name ?? n.slice(8)}`, color: k?.color ?? '#888', points: curve(n) };
      }),
  ];
  return (
    <>
      <section class="card" data-testid="seg-counts">
        <h2>Counts</h2>
        <p>
          {count(s().total, 'image')} · {fmt(s().segmentation?.masks ?? 0)} with a mask · {fmt(s().labelled)} annotated
          · {fmt(s().unlabelled)} to do
        </p>
        <table class="bars">
          <thead>
            <tr>
              <th>class</th>
              <th class="num">images</th>
              <th class="num">pixels</th>
              <th />
              <th class="num">points</th>
            </tr>
          </thead>
          <tbody>
            <For each={s().perClass}>
              {(c) => (
                <tr data-testid="seg-class-row">
                  <td>
                    <span class="swatch" style={{ background: c.color ?? '#888' }} /> {c.name}
                  </td>
                  <td class="num">{fmt(c.count)}</td>
                  <td class="num">{pct(c.share ?? 0)}</td>
                  <td class="barcell">
                    <span
                      style={{ width: `${(100 * (c.share ?? 0)) / maxShare()}%`, background: c.color ?? '#58a6ff' }}
                    />
                  </td>
                  <td class="num">{fmt(c.points ?? 0)}</td>
                </tr>
              )}
            </For>
          </tbody>
        </table>
        <p class="muted small">
          images = annotations whose mask or points hold the class; pixels = its share of all{' '}
          {fmt(s().segmentation?.labelledPixels ?? 0)} labelled pixels
        </p>
      </section>
      <section class="card">
        <h2>Learning curves</h2>
        <Show
          when={iouSeries().length}
          fallback={
            <p class="muted small">
              The trainer reports val mIoU once some labelled images fall in the validation split (about one in five).
            </p>
          }
        >
          <h3>validation IoU (held-out split: higher is better)</h3>
          <LineChart series={iouSeries()} xTitle="labelled images" yTitle="IoU" yRange={[0, 1]} />
        </Show>
        <Show when={s().metrics.train_loss?.length}>
          <h3>training loss</h3>
          <LineChart
            series={[{ label: 'train loss', color: '#d29922', points: curve('train_loss') }]}
            xTitle="labelled images"
            yTitle="train loss"
          />
        </Show>
      </section>
    </>
  );
}
