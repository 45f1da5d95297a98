// One handler table for the trainer → server direction (server/trainer-frames.ts): every frame type of the
// protocol has exactly one entry (a missing one is a compile error, and fails here by name), and a frame is
// checked, kept and announced by its entry alone.
import { describe, expect, it } from 'vitest';
import { trainerToServer } from '../common/protocol.ts';
import { TRAINER_FRAMES, type FrameEntry, type FrameType } from '../server/trainer-frames.ts';
import { checkHead, unchecked } from '../server/trainer-check.ts';
import { createDemoSession } from '../scripts/make-demo.ts';
import { serveSession, tempDir } from './helpers/fixtures.ts';
import { join } from 'node:path';

describe('trainer frames table', () => {
  it('has one entry per trainer → server frame type of the protocol, and none more', () => {
    const types = trainerToServer.options.map((o) => o.shape.type.value as string).sort();
    expect(Object.keys(TRAINER_FRAMES).sort()).toEqual(types);
    for (const t of types) expect(typeof TRAINER_FRAMES[t as FrameType].check, t).toBe('function');
  });

  it('a table without an entry for a frame type does not compile', () => {
    const { ping: _dropped, ...rest } = TRAINER_FRAMES;
    // @ts-expect-error — `ping` has no entry
    const incomplete: { [K in FrameType]: FrameEntry<K> } = rest;
    expect(Object.keys(incomplete)).not.toContain('ping');
    const pingOnly: FrameEntry<'ping'> = { check: unchecked };
    expect(pingOnly.check({} as never, { type: 'ping' })).toEqual({ msg: { type: 'ping' }, dropped: [] });
  });
});

describe('the head frame', () => {
  it("keeps a segmentation head's region head only when its weights and classes fit", async () => {
    const dir = tempDir();
    await createDemoSession(dir, 'demo', { count: 4, dataDir: join(dir, 'data') });
    const srv = await serveSession(dir, 'demo');
    try {
      await srv.api('PUT', '/api/session/task', { task: 'segmentation' });
      const ids: number[] = (await srv.api('GET', '/api/classes')).body.classes.map((c: { id: number }) => c.id);
      const f32 = (n: number) => Buffer.from(new Float32Array(n).buffer).toString('base64');
      const d = 8,
        C = ids.length;
      const regions = {
        classIds: ids.slice(1, 3),
        d: 4,
        C: 2,
        A: f32(8),
        b: f32(2),
        crop: { margin: 0.2, fill: [124, 116, 104], side: 224 },
        minFraction: 0.001,
        guideSide: 640,
      };
      const head = {
        type: 'head' as const,
        task: 'segmentation' as const,
        version: 3,
        classIds: ids,
        d,
        C,
        A: f32(d * C),
        b: f32(C),
        backbone: { name: 'tiny', patchSize: 16, registers: 4, resolution: 224, segShortSide: 448 },
      };
      expect(checkHead(srv.ctx, { ...head, regions }).msg?.regions).toEqual(regions);
      expect(checkHead(srv.ctx, head).msg).not.toBeNull();
      const bad = [
        { ...regions, A: f32(7) },
        { ...regions, b: f32(3) },
        { ...regions, classIds: [ids[1], 999] },
        { ...regions, classIds: [ids[1]] },
      ];
      for (const r of bad) {
        const c = checkHead(srv.ctx, { ...head, regions: r });
        expect(c.msg, JSON.stringify(r.classIds)).toBeNull();
        expect(c.dropped.join()).toMatch(/region head/);
      }
    } finally {
      await srv.close();
    }
  });
});
