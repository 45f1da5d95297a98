// A model strategy serves its own kind of pick: its list, then the latest stored predictions when the list is
// used up, and only then a fallback that says so (typical's coverage list, then sequential order). Model
// strategies give some turns to random val-side images, so the honest val estimate starts within the first
// labels (server/val-picks.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nextImage } from '../server/next.ts';
import { valCounts, valDue, valTarget, VAL_COUNTED_UP_TO, VAL_PICK_WHY } from '../server/val-picks.ts';
import { isVal } from '../common/split.ts';
import { makeSession, serveSession, tempDir, type TestServer } from './helpers/fixtures.ts';

let srv: TestServer;
let ids: number[] = [];
beforeAll(async () => {
  const dir = tempDir();
  await makeSession(dir, 's', 40);
  srv = await serveSession(dir, 's');
  ids = (srv.ctx.session.db.$client.prepare('select id from images order by id').all() as { id: number }[]).map(
    (r) => r.id,
  );
});
afterAll(async () => {
  await srv?.close();
});

const sql = () => srv.ctx.session.db.$client;
const putList = (strategy: string, list: number[]) =>
  sql()
    .prepare(
      `insert into suggestions (strategy, ids, model_version, at) values (?, ?, 1, 0)
  on conflict(strategy) do update set ids = excluded.ids`,
    )
    .run(strategy, JSON.stringify(list));
const dropLists = () => sql().prepare('delete from suggestions').run();
const next = (strategy: string, extra: Record<string, string> = {}) =>
  nextImage(srv.ctx.session.db, { strategy, annotator: 'tester', claimTtlMs: 1, trainerOnline: true, ...extra });

describe('no silent sequential', () => {
  it('a used-up list goes on from the stored predictions, most uncertain train-side image first', async () => {
    const r = await srv.api('PUT', '/api/session/task', { task: 'classification' });
    expect(r.status).toBe(200);
    const cls = (await srv.api('POST', '/api/classes', { name: 'a' })).body.class.id as number;
    const train = ids.filter((id) => !isVal(id)),
      val = ids.filter((id) => isVal(id));
    const ins = sql().prepare(
      'insert into predictions (image_id, model_version, class_id, uncertainty, confidence, at) values (?, 1, ?, ?, ?, 0)',
    );
    // the most uncertain prediction is a val-side image: a train-side one comes first all the same
    ins.run(val[0], cls, 0.99, 0.5);
    ins.run(train[5], cls, 0.9, 0.55);
    ins.run(train[6], cls, 0.2, 0.9);
    dropLists();
    putList('uncertain', [train[0]]);
    expect(next('uncertain')).toMatchObject({ id: train[0], reason: 'uncertain' });
    const used = next('uncertain', { exclude: String(train[0]) });
    expect(used).toMatchObject({ id: train[5], reason: 'uncertain: by the latest predictions' });
    // minority: predicted as the least-labelled class, least confident first
    await srv.api('PUT', `/api/images/${train[10]}/annotation`, { kind: 'label', classId: cls });
    expect(next('minority')).toMatchObject({ id: train[5], reason: 'minority: by the latest predictions' });
    await srv.api('DELETE', `/api/images/${train[10]}/annotation`);
  });

  it('with neither list nor predictions: the typical list, said as a fallback; with nothing at all, sequential, said as such', () => {
    sql().prepare('delete from predictions').run();
    dropLists();
    const train = ids.filter((id) => !isVal(id));
    putList('typical', [train[3]]);
    expect(next('uncertain')).toMatchObject({
      id: train[3],
      reason: 'uncertain: fallback to typical (no list from the trainer yet)',
    });
    putList('uncertain', []);
    expect(next('diverse')).toMatchObject({
      id: train[3],
      reason: 'diverse: fallback to typical (no list from the trainer yet)',
    });
    expect(next('uncertain')).toMatchObject({
      id: train[3],
      reason: 'uncertain: fallback to typical (its list is used up)',
    });
    dropLists();
    expect(next('uncertain')).toMatchObject({
      id: ids[0],
      reason: 'uncertain: fallback to sequential (no list from the trainer yet)',
    });
    expect(
      nextImage(srv.ctx.session.db, { strategy: 'typical', annotator: 'tester', claimTtlMs: 1, trainerOnline: false }),
    ).toMatchObject({ id: ids[0], reason: 'typical: fallback to sequential (the trainer is offline)' });
  });
});

describe('val-side picks from the start', () => {
  it('one label in five is a val-side one over the first 50, one in ten after', () => {
    expect([0, 4, 5, 9, 10, 30, 49, 50, 99, 100, 200].map(valTarget)).toEqual([0, 0, 1, 1, 2, 6, 9, 10, 10, 10, 20]);
  });

  it('the fifth label of a model strategy goes to a random val-side image, said so, and then the list goes on', async () => {
    const train = ids.filter((id) => !isVal(id));
    dropLists();
    putList('uncertain', train.slice(10));
    for (const id of train.slice(0, 4)) {
      const r = next('uncertain', { exclude: train.slice(0, 4).join(',') });
      expect(r.reason).toBe('uncertain');
      expect((await srv.api('PUT', `/api/images/${id}/annotation`, { kind: 'skip' })).status).toBe(200);
    }
    // skips are no labels: still no val pick due
    expect(next('uncertain').reason).toBe('uncertain');
    const cls = (await srv.api('GET', '/api/classes')).body.classes[0].id as number;
    for (const id of train.slice(0, 4))
      await srv.api('PUT', `/api/images/${id}/annotation`, { kind: 'label', classId: cls });
    expect(valCounts(srv.ctx.session.db)).toEqual({ labelled: 4, val: 0 });
    const v = next('uncertain');
    expect(isVal(v.id!)).toBe(true);
    expect(v).toMatchObject({ reason: 'uncertain: val', why: VAL_PICK_WHY });
    await srv.api('PUT', `/api/images/${v.id}/annotation`, { kind: 'label', classId: cls });
    expect(valCounts(srv.ctx.session.db)).toEqual({ labelled: 5, val: 1 });
    expect(next('uncertain')).toMatchObject({ id: train[10], reason: 'uncertain' });
    // strategies that do not pick for the model never take a val turn
    expect(next('sequential').reason).toBe('sequential');
  });

  it('in a large session the val share is kept by chance, one model-strategy turn in ten, with no recount', () => {
    const db = srv.ctx.session.db;
    const was = (sql().prepare(`select n from counters where key = 'labelled'`).get() as { n: number }).n;
    sql().prepare(`update counters set n = ? where key = 'labelled'`).run(VAL_COUNTED_UP_TO);
    try {
      expect(valDue(db, () => 0.05)).toBe(true);
      expect(valDue(db, () => 0.5)).toBe(false);
    } finally {
      sql().prepare(`update counters set n = ? where key = 'labelled'`).run(was);
    }
    expect(valDue(db, () => 0.05)).toBe(valCounts(db).val < valTarget(was + 1));
  });
});
