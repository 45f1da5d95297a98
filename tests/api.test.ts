import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { makeSession, serveSession, tempDir, type TestServer } from './helpers/fixtures.ts';

let dir: string;
let srv: TestServer;
beforeAll(async () => {
  dir = tempDir();
  await makeSession(dir, 'api', 12);
  srv = await serveSession(dir, 'api');
});
afterAll(async () => {
  await srv?.close();
});

function expectJsonError(r: { status: number; body: any }, status: number, code: string) {
  expect(r.status).toBe(status);
  expect(r.body).toMatchObject({ error: { code } });
  expect(typeof r.body.error.message).toBe('string');
}

describe('session and task lock', () => {
  it('starts unlocked with counts', async () => {
    const r = await srv.api('GET', '/api/session');
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ name: 'api', task: null, counts: { images: 12, labelled: 0, unlabelled: 12 } });
  });
  it('locks on first use and 409s the other task, naming the locked one', async () => {
    expect((await srv.api('PUT', '/api/session/task', { task: 'classification' })).body).toEqual({
      task: 'classification',
    });
    expect((await srv.api('PUT', '/api/session/task', { task: 'classification' })).status).toBe(200);
    const r = await srv.api('PUT', '/api/session/task', { task: 'segmentation' });
    expectJsonError(r, 409, 'task_locked');
    expect(r.body.error.message).toContain('classification');
    expectJsonError(await srv.api('PUT', '/api/session/task', { task: 'detection' }), 400, 'invalid_task');
  });
});

describe('classes', () => {
  it('validates names and rejects duplicates', async () => {
    expectJsonError(await srv.api('POST', '/api/classes', { name: '' }), 400, 'invalid_name');
    expectJsonError(await srv.api('POST', '/api/classes', { name: '../etc' }), 400, 'invalid_name');
    const a = await srv.api('POST', '/api/classes', { name: 'cat' });
    expect(a.status).toBe(201);
    expectJsonError(await srv.api('POST', '/api/classes', { name: 'CAT' }), 409, 'duplicate_class');
    const b = await srv.api('POST', '/api/classes', { name: 'dog', color: '#00ff00' });
    expect(b.body.class).toMatchObject({ name: 'dog', color: '#00ff00', position: 1 });
    expectJsonError(await srv.api('POST', '/api/classes', { name: 'x', color: 'red' }), 400, 'invalid_color');
  });
  it('reorders and renames', async () => {
    const { body } = await srv.api('GET', '/api/classes');
    const dog = body.classes.find((c: any) => c.name === 'dog');
    await srv.api('PATCH', `/api/classes/${dog.id}`, { position: 0, name: 'doggo' });
    const after = (await srv.api('GET', '/api/classes')).body.classes;
    expect(after.map((c: any) => c.name)).toEqual(['doggo', 'cat']);
    await srv.api('PATCH', `/api/classes/${dog.id}`, { position: 1, name: 'dog' });
  });
  it("delete cascades to that class's annotations only and reports how many", async () => {
    const tmp = (await srv.api('POST', '/api/classes', { name: 'temp' })).body.class;
    const cat = (await srv.api('GET', '/api/classes')).body.classes.find((c: any) => c.name === 'cat');
    await srv.api('PUT', '/api/images/10/annotation', { kind: 'label', classId: tmp.id });
    await srv.api('PUT', '/api/images/11/annotation', { kind: 'label', classId: tmp.id });
    await srv.api('PUT', '/api/images/12/annotation', { kind: 'label', classId: cat.id });
    expect((await srv.api('GET', `/api/classes/${tmp.id}/usage`)).body.annotations).toBe(2);
    const d = await srv.api('DELETE', `/api/classes/${tmp.id}`);
    expect(d.body.deleted.annotations).toBe(2);
    expect((await srv.api('GET', '/api/images/10')).body.annotation).toBeNull();
    expect((await srv.api('GET', '/api/images/12')).body.annotation).toMatchObject({ kind: 'label', classId: cat.id });
    expectJsonError(await srv.api('DELETE', `/api/classes/${tmp.id}`), 404, 'class_not_found');
    await srv.api('DELETE', '/api/images/12/annotation');
  });
});

describe('annotations', () => {
  it('labels, skips, deletes, and validates', async () => {
    const cat = (await srv.api('GET', '/api/classes')).body.classes.find((c: any) => c.name === 'cat');
    const r = await srv.api(
      'PUT',
      '/api/images/1/annotation',
      { kind: 'label', classId: cat.id },
      { 'x-annotator': 'ann' },
    );
    expect(r.body.annotation).toMatchObject({ imageId: 1, kind: 'label', classId: cat.id, annotator: 'ann' });
    expect((await srv.api('PUT', '/api/images/2/annotation', { kind: 'skip' })).body.annotation.kind).toBe('skip');
    expectJsonError(
      await srv.api('PUT', '/api/images/3/annotation', { kind: 'label', classId: 999 }),
      404,
      'class_not_found',
    );
    expectJsonError(await srv.api('PUT', '/api/images/3/annotation', { kind: 'mask' }), 409, 'wrong_task');
    expectJsonError(await srv.api('PUT', '/api/images/3/annotation', { kind: 'bogus' }), 400, 'invalid_annotation');
    expectJsonError(await srv.api('PUT', '/api/images/9999/annotation', { kind: 'skip' }), 404, 'image_not_found');
    expectJsonError(await srv.api('PUT', '/api/images/3/annotation', '{not json'), 400, 'invalid_json');
    expectJsonError(await srv.api('POST', '/api/images/3/accept-prediction'), 409, 'no_prediction');
    const del = await srv.api('DELETE', '/api/images/2/annotation');
    expect(del.body.previous.kind).toBe('skip');
    const stats = (await srv.api('GET', '/api/stats')).body;
    expect(stats).toMatchObject({ total: 12, labelled: 1, skipped: 0 });
    expect(stats.perAnnotator).toEqual([{ annotator: 'ann', count: 1 }]);
  });
  it('lists with filters and paging', async () => {
    const all = (await srv.api('GET', '/api/images?limit=5&offset=5')).body;
    expect(all.total).toBe(12);
    expect(all.items.map((i: any) => i.id)).toEqual([6, 7, 8, 9, 10]);
    expect((await srv.api('GET', '/api/images?labelled=1')).body.items.map((i: any) => i.id)).toEqual([1]);
    expect((await srv.api('GET', '/api/images?unlabelled=1')).body.total).toBe(11);
    expectJsonError(await srv.api('GET', '/api/images?limit=-1'), 400, 'invalid_param');
    expectJsonError(await srv.api('GET', '/api/images?sort=name;drop'), 400, 'invalid_param');
  });
});

describe('next / previous / jump', () => {
  it('navigates in id order and stops at the edges', async () => {
    expect((await srv.api('GET', '/api/next?after=1')).body).toMatchObject({ id: 2, reason: 'next' });
    expect((await srv.api('GET', '/api/next?after=12')).body.id).toBeNull();
    expect((await srv.api('GET', '/api/next?before=2')).body.id).toBe(1);
    expect((await srv.api('GET', '/api/next?before=1')).body.id).toBeNull();
    expect((await srv.api('GET', '/api/images/7')).body).toMatchObject({ image: { id: 7 }, index: 6, total: 12 });
    expectJsonError(await srv.api('GET', '/api/images/0'), 404, 'image_not_found');
    expectJsonError(await srv.api('GET', '/api/images/abc'), 400, 'invalid_param');
  });
  it('claims keep two annotators apart, and model strategies fall back to sequential', async () => {
    const a = (await srv.api('GET', '/api/next?strategy=sequential&annotator=alice')).body;
    const b = (await srv.api('GET', '/api/next?strategy=sequential&annotator=bob')).body;
    expect(a.id).toBe(2);
    expect(b.id).toBe(3);
    expect((await srv.api('GET', '/api/next?strategy=sequential&annotator=alice')).body.id).toBe(2);
    const u = (await srv.api('GET', '/api/next?strategy=uncertain&annotator=carol')).body;
    expect(u).toMatchObject({ id: 4 });
    expect(u.reason).toMatch(/sequential/);
    const r = (await srv.api('GET', '/api/next?strategy=random&annotator=dave')).body;
    expect([5, 6, 7, 8, 9, 10, 11, 12]).toContain(r.id);
    expectJsonError(await srv.api('GET', '/api/next?strategy=class'), 400, 'invalid_param');
    expectJsonError(await srv.api('GET', '/api/next?strategy=psychic'), 400, 'invalid_strategy');
  });
});

describe('files and errors', () => {
  it('serves file and thumbnail bytes with caching headers', async () => {
    const f = await fetch(`${srv.url}/api/images/1/file`);
    expect(f.status).toBe(200);
    expect(f.headers.get('etag')).toBeTruthy();
    expect((await sharp(Buffer.from(await f.arrayBuffer())).metadata()).width).toBe(64);
    const again = await fetch(`${srv.url}/api/images/1/file`, { headers: { 'if-none-match': f.headers.get('etag')! } });
    expect(again.status).toBe(304);
    const t = await fetch(`${srv.url}/api/images/1/thumb`);
    expect(t.headers.get('content-type')).toBe('image/webp');
  });
  it('POST /api/predict says why it cannot answer: not an image, no trainer', async () => {
    expectJsonError(await srv.api('POST', '/api/predict', 'hello'), 400, 'not_an_image');
    const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#f00' } })
      .png()
      .toBuffer();
    const r = await fetch(`${srv.url}/api/predict`, {
      method: 'POST',
      headers: { 'content-type': 'image/png' },
      body: png,
    });
    expect(r.status).toBe(503);
    expect((await r.json()).error.code).toBe('trainer_offline');
  });
  it('answers unknown routes, traversal attempts and huge bodies with JSON errors', async () => {
    expectJsonError(await srv.api('GET', '/api/nope'), 404, 'not_found');
    expectJsonError(await srv.api('GET', '/api/images/..%2F..%2Fetc%2Fpasswd/file'), 400, 'invalid_param');
    const big = 'x'.repeat(33 * 1024 * 1024);
    expectJsonError(
      await srv.api('PUT', '/api/images/1/annotation', JSON.stringify({ kind: 'skip', pad: big })),
      413,
      'payload_too_large',
    );
  });
});

describe('reset', () => {
  it('renames the folder, keeps images and thumbnails, unlocks the task', async () => {
    expectJsonError(await srv.api('POST', '/api/session/reset', { confirm: 'wrong' }), 400, 'confirm_mismatch');
    const r = await srv.api('POST', '/api/session/reset', { confirm: 'api' });
    expect(r.status).toBe(200);
    expect(r.body.archivedAs).toMatch(/^api\.\d{8}T\d{6}Z/);
    expect(existsSync(join(dir, r.body.archivedAs, 'session.db'))).toBe(true);
    const s = (await srv.api('GET', '/api/session')).body;
    expect(s).toMatchObject({ task: null, counts: { images: 12, labelled: 0 } });
    expect(readdirSync(join(dir, 'api', 'thumbs')).length).toBe(12);
    expect((await srv.api('PUT', '/api/session/task', { task: 'segmentation' })).status).toBe(200);
  });
});

describe('segmentation annotations (after the reset above locked segmentation)', () => {
  it('validates mask size and values, stores points, and deleting a class strips it from masks', async () => {
    const bg = (await srv.api('POST', '/api/classes', { name: 'bg' })).body.class;
    const fg = (await srv.api('POST', '/api/classes', { name: 'fg' })).body.class;
    const px = new Uint8Array(64 * 48);
    for (let i = 0; i < px.length; i++) px[i] = i < 1000 ? bg.id : i < 2000 ? fg.id : 0;
    const png = (
      await sharp(Buffer.from(px), { raw: { width: 64, height: 48, channels: 1 } })
        .png()
        .toBuffer()
    ).toString('base64');
    const small = (
      await sharp(Buffer.from(px.slice(0, 32 * 48)), { raw: { width: 32, height: 48, channels: 1 } })
        .png()
        .toBuffer()
    ).toString('base64');
    expectJsonError(await srv.api('PUT', '/api/images/1/annotation', { kind: 'mask', mask: small }), 400, 'mask_size');
    expectJsonError(
      await srv.api('PUT', '/api/images/1/annotation', { kind: 'mask', mask: 'bm90IGEgcG5n' }),
      400,
      'invalid_mask',
    );
    expectJsonError(
      await srv.api('PUT', '/api/images/1/annotation', { kind: 'label', classId: bg.id }),
      409,
      'wrong_task',
    );
    expectJsonError(
      await srv.api('PUT', '/api/images/1/annotation', { kind: 'mask', points: [{ classId: fg.id, x: 500, y: 1 }] }),
      400,
      'invalid_annotation',
    );
    const r = await srv.api('PUT', '/api/images/1/annotation', {
      kind: 'mask',
      mask: png,
      points: [
        { classId: fg.id, x: 3, y: 4 },
        { classId: bg.id, x: 1, y: 1 },
      ],
    });
    expect(r.body.annotation).toMatchObject({ kind: 'mask', hasMask: true });
    expect((await srv.api('GET', `/api/classes/${fg.id}/usage`)).body).toMatchObject({
      annotations: 1,
      masks: 1,
      points: 1,
    });
    await srv.api('DELETE', `/api/classes/${fg.id}`);
    const img = (await srv.api('GET', '/api/images/1')).body.annotation;
    expect(img.points).toEqual([{ classId: bg.id, x: 1, y: 1 }]);
    const m = await fetch(`${srv.url}/api/images/1/mask`);
    const { data } = await sharp(Buffer.from(await m.arrayBuffer()))
      .extractChannel(0)
      .raw()
      .toBuffer({ resolveWithObject: true });
    expect(data.filter((v) => v === fg.id).length).toBe(0);
    expect(data.filter((v) => v === bg.id).length).toBe(1000);
  });
});

describe('next with exclude (prefetch while an image is in view)', () => {
  it('skips the excluded ids and validates the list', async () => {
    const a = (await srv.api('GET', '/api/next?strategy=sequential&annotator=pf')).body.id;
    const b = (await srv.api('GET', `/api/next?strategy=sequential&annotator=pf&exclude=${a}`)).body.id;
    expect(b).not.toBe(a);
    expect(b).toBeGreaterThan(a);
    expectJsonError(await srv.api('GET', '/api/next?exclude=1;drop'), 400, 'invalid_param');
  });
});
