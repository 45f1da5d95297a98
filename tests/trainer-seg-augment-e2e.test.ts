// Segmentation where colour says nothing about the class (the demo's shapes in random colours): a real trainer
// (tiny backbone) reads that from the labelled regions and learns from colour-swapped, mirrored copies of the
// labelled images too; the maps still come, the patch map first and the crop-named map for the same version.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { createDemoSession, demoMaskPng } from '../scripts/make-demo.ts';
import { isVal } from '../common/split.ts';
import { AUGMENTS } from '../trainer/heads/seg-augment.ts';
import { serveSession, tempDir, type TestServer } from './helpers/fixtures.ts';
import { browserPeer, tinyTrainer, type Child } from './helpers/peers.ts';

const N = 40;
let dir: string, dataDir: string, srv: TestServer, trainer: Child;

beforeAll(async () => {
  dir = tempDir();
  dataDir = (await createDemoSession(dir, 'demo', { count: N, dataDir: join(dir, 'data'), cue: 'shape' })).dataDir;
  srv = await serveSession(dir, 'demo');
  trainer = await tinyTrainer(dir, 'demo', srv.url);
});
afterAll(async () => {
  await trainer?.stop();
  await srv?.close();
});

describe('segmentation with random colours', () => {
  it('learns from augmented copies of the labelled images when colour does not tell the classes apart', async () => {
    await srv.api('PUT', '/api/session/task', { task: 'segmentation' });
    const classes: { id: number }[] = (await srv.api('GET', '/api/classes')).body.classes;
    const lut = classes.map((c) => c.id);
    const images: { id: number; name: string; width: number; height: number }[] = (
      await srv.api('GET', `/api/images?limit=${N}`)
    ).body.items;
    const train = images.filter((i) => !isVal(i.id)).slice(0, 8);
    const br = await browserPeer(srv.url);
    const label = async (img: (typeof images)[number]) => {
      const png = await demoMaskPng(dataDir, img, lut);
      const r = await srv.api('PUT', `/api/images/${img.id}/annotation`, {
        kind: 'mask',
        points: [],
        mask: png.toString('base64'),
      });
      expect(r.status).toBe(200);
    };
    for (const img of train) await label(img);
    // the fit that saw all of them: every labelled image with its copies, and the colour agreement it read
    const m = await trainer.waitForLine(
      new RegExp(
        `model v\\d+: ${train.length} labelled images \\(\\+(\\d+) augmented copies; colour agrees with the class for (\\d+) %`,
      ),
      120_000,
    );
    expect(Number(m[1])).toBe(train.length * AUGMENTS.length);
    expect(Number(m[2])).toBeLessThan(70);
    // one more labelled image, a val-side one: it trains the served heads too (its copies are embedded in the
    // next fit, the others' are kept); the val score comes from a head fitted without it
    const more = images.filter((i) => isVal(i.id))[0];
    await label(more);
    const m2 = await trainer.waitForLine(
      new RegExp(
        `model v\\d+: ${train.length + 1} labelled images \\(\\+(\\d+) augmented copies[^)]*\\), 1 of them val-side`,
      ),
      120_000,
    );
    expect(Number(m2[1])).toBe((train.length + 1) * AUGMENTS.length);
    // the fits' durations (copies embedded once per image, inside the fit that first sees the image)
    console.log(
      (trainer.out().match(/model v\d+: .*$/gm) ?? [])
        .map((l) => l.replace(/, \d+ classes seen.*? in /, ' … in '))
        .join('\n'),
    );
    const focus = images.find((i) => !train.some((t) => t.id === i.id) && i.id !== more.id)!;
    br.ws.send(JSON.stringify({ type: 'focus', imageId: focus.id }));
    const first = await br.waitFor((x) => x.type === 'prediction' && x.prediction.imageId === focus.id, 60_000);
    expect(first.prediction.classIds).toEqual(lut);
    br.close();
  });
});
