// Segmentation through the API with a fake trainer on the demo pictures (exact masks): Enter through
// accept-prediction gives the refined map (edges on the shape, your strokes and points kept), Stats counts
// classes from masks and points (images, pixel share), Browse filters by "contains class X" / mask or not,
// and mask thumbnails show your mask, else the refined prediction.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import sharp from 'sharp';
import WebSocket from 'ws';
import { createDemoSession } from '../scripts/make-demo.ts';
import { oracleMap, IouAcc, nearestArgmax } from '../scripts/simulate/seg-metrics.ts';
import { PROTOCOL_VERSION } from '../common/protocol.ts';
import { serveSession, tempDir, type TestServer } from './helpers/fixtures.ts';

const W = 320,
  H = 240,
  gh = 28,
  gw = 37; // MobileNetV2's token grid for these pictures (stride 16 at 448 px): ~9 px patches
let srv: TestServer, dataDir: string, trainer: WebSocket;
let classes: { id: number; name: string; color: string }[];
let images: { id: number; name: string }[];

async function truth(name: string): Promise<Uint8Array> {
  const { data } = await sharp(join(dataDir, 'masks', name.replace(/\.\w+$/, '.png')))
    .extractChannel(0)
    .raw()
    .toBuffer({ resolveWithObject: true });
  return new Uint8Array(data);
}
const png = (m: Uint8Array) =>
  sharp(Buffer.from(m), { raw: { width: W, height: H, channels: 1 } })
    .png()
    .toBuffer()
    .then((b) => b.toString('base64'));
async function mask(id: number): Promise<Uint8Array> {
  const r = await fetch(`${srv.url}/api/images/${id}/mask`);
  const { data } = await sharp(Buffer.from(await r.arrayBuffer()))
    .extractChannel(0)
    .raw()
    .toBuffer({ resolveWithObject: true });
  return new Uint8Array(data);
}
/** The model a perfect patch classifier would be: the truth voted to the coarse grid, published by a fake trainer. */
async function predict(id: number, name: string, version = 1) {
  const map = oracleMap(await truth(name), 5, W, H, gh, gw);
  trainer.send(
    JSON.stringify({
      type: 'predictions',
      modelVersion: version,
      items: [
        {
          imageId: id,
          classId: classes[1].id,
          classIds: classes.map((c) => c.id),
          width: gw,
          height: gh,
          map: Buffer.from(map).toString('base64'),
          uncertainty: 0.2,
        },
      ],
    }),
  );
  await waitUntil(async () => (await srv.api('GET', `/api/images/${id}`)).body.prediction?.modelVersion === version);
}
async function waitUntil(fn: () => Promise<boolean>, ms = 5000) {
  const t0 = Date.now();
  while (!(await fn())) {
    if (Date.now() - t0 > ms) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

beforeAll(async () => {
  const dir = tempDir();
  dataDir = (await createDemoSession(dir, 'demo', { count: 8, dataDir: join(dir, 'data') })).dataDir;
  srv = await serveSession(dir, 'demo');
  await srv.api('PUT', '/api/session/task', { task: 'segmentation' });
  classes = (await srv.api('GET', '/api/classes')).body.classes;
  images = (await srv.api('GET', '/api/images?limit=10')).body.items;
  trainer = new WebSocket(srv.url.replace('http', 'ws') + '/ws');
  await new Promise((r) => trainer.once('open', r));
  trainer.send(JSON.stringify({ type: 'hello', version: PROTOCOL_VERSION, role: 'trainer' }));
  await new Promise((r) => trainer.once('message', r));
});
afterAll(async () => {
  trainer?.close();
  await srv?.close();
});

describe('accept-prediction (segmentation)', () => {
  it("accepts the map refined to the shape's edges, beating the patch staircase", async () => {
    const img = images[0],
      t = await truth(img.name);
    await predict(img.id, img.name);
    const r = await srv.api('POST', `/api/images/${img.id}/accept-prediction`, { modelVersion: 1 });
    expect(r.status).toBe(200);
    const ids = classes.map((c) => c.id),
      m = await mask(img.id);
    const got = Uint8Array.from(m, (v) => ids.indexOf(v)),
      stairs = nearestArgmax(oracleMap(t, 5, W, H, gh, gw), 5, gh, gw, W, H);
    const refined = new IouAcc(5),
      nearest = new IouAcc(5);
    refined.add(got, t);
    nearest.add(stairs, t);
    expect(refined.mean()).toBeGreaterThan(nearest.mean() + 0.05);
    expect(refined.mean()).toBeGreaterThan(0.9);
  });

  it('keeps your painted pixels and your points; your stroke turns its region; the prediction fills the rest', async () => {
    const img = images[1],
      t = await truth(img.name);
    await predict(img.id, img.name);
    const mine = new Uint8Array(W * H);
    for (let y = 0; y < 10; y++) for (let x = 0; x < 10; x++) mine[y * W + x] = classes[3].id; // a corner painted "triangle" (wrongly)
    const points = [{ classId: classes[2].id, x: 300, y: 220 }];
    expect(
      (await srv.api('PUT', `/api/images/${img.id}/annotation`, { kind: 'mask', points, mask: await png(mine) }))
        .status,
    ).toBe(200);
    const r = await srv.api('POST', `/api/images/${img.id}/accept-prediction`, { modelVersion: 1 });
    expect(r.body.annotation.points).toEqual(points);
    const m = await mask(img.id);
    expect(m[5 * W + 5]).toBe(classes[3].id); // yours
    // your stroke is evidence for its colour region (common/seg/hint-spread.ts): the background around it
    // takes your class; the shape beyond its edge stays what the model said
    expect(m[5 * W + 50]).toBe(classes[3].id);
    const shape = t.find((v) => v > 0)!;
    let inShape = 0,
      model = 0;
    for (let p = 0; p < W * H; p++)
      if (t[p] === shape) {
        inShape++;
        if (m[p] === classes[shape].id) model++;
      }
    expect(model / inShape).toBeGreaterThan(0.95);
    expect(m.every((v) => v !== 0)).toBe(true);
  });

  it('still refuses a prediction that changed since it was shown', async () => {
    const img = images[2];
    await predict(img.id, img.name, 2);
    expect(
      (await srv.api('POST', `/api/images/${img.id}/accept-prediction`, { modelVersion: 1 })).body.error.code,
    ).toBe('stale_prediction');
  });
});

describe('stats and browse (segmentation)', () => {
  it('counts classes from masks and points: images containing each, pixel share', async () => {
    const s = (await srv.api('GET', '/api/stats')).body;
    expect(s.task).toBe('segmentation');
    const by = (name: string) => s.perClass.find((c: { name: string }) => c.name === name);
    const t0 = await truth(images[0].name),
      shape0 = classes[t0.find((v) => v > 0)!].name;
    const accepted = [await mask(images[0].id), await mask(images[1].id)];
    expect(by('background').count).toBe(accepted.filter((m) => m.includes(classes[0].id)).length); // images whose mask has it
    expect(by('background').count).toBeGreaterThanOrEqual(1);
    expect(by(shape0).count).toBeGreaterThanOrEqual(1);
    expect(by('square').points).toBe(1);
    const total = s.perClass.reduce((a: number, c: { pixels: number }) => a + c.pixels, 0);
    expect(total).toBe(s.segmentation.labelledPixels);
    expect(total).toBe(2 * W * H);
    expect(s.perClass.reduce((a: number, c: { share: number }) => a + c.share, 0)).toBeCloseTo(1, 6);
  });

  it('filters by "contains class X" (mask or points), has mask, no mask', async () => {
    const list = async (q: string) =>
      ((await srv.api('GET', `/api/images?${q}`)).body.items as { id: number }[]).map((i) => i.id);
    expect(await list('mask=1')).toEqual([images[0].id, images[1].id]);
    expect((await list('mask=0')).length).toBe(images.length - 2);
    expect(await list(`contains=${classes[2].id}`)).toContain(images[1].id); // the square point
    expect(await list(`contains=${classes[3].id}`)).toContain(images[1].id); // the painted corner
    const withTriangle = await list(`contains=${classes[3].id}`);
    for (const id of withTriangle) expect([images[0].id, images[1].id]).toContain(id);
    expect((await srv.api('GET', '/api/images?contains=x')).status).toBe(400);
  });

  it('mask thumbnails: your mask, else the refined prediction, else 404; unchanged ones are 304', async () => {
    const a = await fetch(`${srv.url}/api/images/${images[0].id}/mask-thumb`);
    expect(a.status).toBe(200);
    expect(a.headers.get('x-mask-source')).toBe('mask');
    const meta = await sharp(Buffer.from(await a.arrayBuffer())).metadata();
    expect([meta.width, meta.height, meta.channels]).toEqual([256, 192, 4]);
    const again = await fetch(`${srv.url}/api/images/${images[0].id}/mask-thumb`, {
      headers: { 'If-None-Match': a.headers.get('etag')! },
    });
    expect(again.status).toBe(304);
    const p = await fetch(`${srv.url}/api/images/${images[2].id}/mask-thumb`);
    expect(p.headers.get('x-mask-source')).toBe('prediction');
    // the predicted shape's pixels are in its class colour, where the truth has it
    const { data } = await sharp(Buffer.from(await p.arrayBuffer()))
      .raw()
      .toBuffer({ resolveWithObject: true });
    const t = await truth(images[2].name),
      k = t.find((v) => v > 0)!,
      hex = classes[k].color;
    let inShape = 0,
      coloured = 0;
    for (let y = 0; y < 192; y++)
      for (let x = 0; x < 256; x++) {
        if (t[Math.floor((y + 0.5) * 1.25) * W + Math.floor((x + 0.5) * 1.25)] !== k) continue;
        inShape++;
        const o = (y * 256 + x) * 4;
        if ('#' + [0, 1, 2].map((c) => data[o + c].toString(16).padStart(2, '0')).join('') === hex.toLowerCase())
          coloured++;
      }
    expect(coloured / inShape).toBeGreaterThan(0.75);
    expect((await fetch(`${srv.url}/api/images/${images[5].id}/mask-thumb`)).status).toBe(404);
  });
});
