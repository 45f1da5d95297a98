// The strategy registry is complete across runtimes: every server strategy that needs the trainer has a
// trainer producer of the same name (and every producer a strategy), the API lists them all, and an
// unknown name is a JSON 400 naming the known ones.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DEFAULT_STRATEGY, MIX_RANDOM, MIX_RANDOM_WHY, STRATEGIES, strategyList } from '../server/strategies.ts';
import { computeSuggestions, PRODUCERS } from '../trainer/suggestions.ts';
import { isVal } from '../common/split.ts';
import { nextImage } from '../server/next.ts';
import { makeSession, serveSession, tempDir, type TestServer } from './helpers/fixtures.ts';

let srv: TestServer;
beforeAll(async () => {
  const dir = tempDir();
  await makeSession(dir, 's', 6);
  srv = await serveSession(dir, 's');
});
afterAll(async () => {
  await srv?.close();
});

describe('strategy registry', () => {
  it('every model-based strategy has a trainer producer, and every producer a strategy', () => {
    const model = STRATEGIES.filter((s) => s.needsTrainer)
      .map((s) => s.name)
      .sort();
    expect(Object.keys(PRODUCERS).sort()).toEqual(model);
    // the others pick on the server
    for (const s of STRATEGIES) expect(typeof s.pick).toBe(s.needsTrainer ? 'undefined' : 'function');
  });

  it('the producers publish the lists the server reads (class:<id> per class)', () => {
    const probs = Float32Array.from([0.9, 0.1, 0.2, 0.8, 0.5, 0.5, 0.6, 0.4]);
    const lists = computeSuggestions({
      ids: [1, 2, 3, 4],
      probs,
      C: 2,
      classIds: [7, 9],
      features: null,
      d: 0,
      labelledIds: [1],
      labelCounts: [1, 0],
      valPlaces: false,
    });
    expect(Object.keys(lists).sort()).toEqual([
      'class:7',
      'class:9',
      'cold',
      'diverse',
      'minority',
      'mix',
      'review',
      'typical',
      'uncertain',
    ]);
    expect(lists.uncertain).toEqual([3, 4, 2]);
    expect(lists.mix).toEqual(lists.uncertain); // the server draws mix's random turns
    expect(lists['class:9']).toEqual([2, 3, 4]);
  });

  it('GET /api/strategies lists the registry; an unknown strategy is a JSON 400 naming the known ones', async () => {
    const r = await srv.api('GET', '/api/strategies');
    expect(r.status).toBe(200);
    expect(r.body.strategies).toEqual(strategyList());
    expect(r.body.strategies.map((s: { name: string }) => s.name)).toEqual([
      'sequential',
      'random',
      'class',
      'minority',
      'uncertain',
      'diverse',
      'typical',
      'mix',
      'review',
    ]);
    // a new session's default per task: a registered strategy that serves that task
    expect(r.body.defaults).toEqual(DEFAULT_STRATEGY);
    for (const [task, name] of Object.entries(DEFAULT_STRATEGY))
      expect(STRATEGIES.find((s) => s.name === name)?.tasks).toContain(task);
    const bad = await srv.api('GET', '/api/next?strategy=nope');
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('invalid_strategy');
    expect(bad.body.error.message).toMatch(/sequential, random, class/);
  });
});

describe('why an image was picked', () => {
  it("a cold-start pick says its cluster had no label, a coverage pick that its cluster has few; a val-side pick is the server's own", async () => {
    const ids = (await srv.api('GET', '/api/images?limit=10')).body.items.map((i: { id: number }) => i.id) as number[];
    const train = ids.filter((id) => !isVal(id));
    const db = srv.ctx.session.db;
    const put = (strategy: string, list: number[]) =>
      db.$client
        .prepare(
          `insert into suggestions (strategy, ids, model_version, at) values (?, ?, 1, 0)
      on conflict(strategy) do update set ids = excluded.ids`,
        )
        .run(strategy, JSON.stringify(list));
    put('typical', [train[0], train[1]]);
    put('cold', [train[0]]);
    put('diverse', [train[0], train[2]]);
    // as GET /api/next with the trainer online
    const next = (strategy: string, exclude?: number[]) =>
      nextImage(db, {
        strategy,
        annotator: 'w1',
        claimTtlMs: 60_000,
        trainerOnline: true,
        ...(exclude ? { exclude: exclude.join(',') } : {}),
      });
    expect(next('typical')).toEqual({ id: train[0], reason: 'typical', why: 'typical of a cluster with no label yet' });
    expect(next('typical', [train[0]])).toEqual({
      id: train[1],
      reason: 'typical',
      why: 'typical of a cluster with few labels so far',
    });
    expect(next('diverse')).toEqual({
      id: train[0],
      reason: 'diverse',
      why: 'warming up: typical of a cluster with no label yet; farthest-first picks start once every cluster (up to 50) has a label',
    });
    expect(next('diverse', [train[0]])).toEqual({
      id: train[2],
      reason: 'diverse',
      why: 'far from everything labelled',
    });
  });
});

describe('mix', () => {
  it("one turn in five (MIX_RANDOM) is the random strategy's pick, said as such; the others read its list", () => {
    const db = srv.ctx.session.db;
    const ids = (db.$client.prepare('select id from images order by id').all() as { id: number }[]).map((r) => r.id);
    const train = ids.filter((id) => !isVal(id));
    db.$client
      .prepare(
        `insert into suggestions (strategy, ids, model_version, at) values ('mix', ?, 1, 0)
      on conflict(strategy) do update set ids = excluded.ids`,
      )
      .run(JSON.stringify([train.at(-1)]));
    const next = () => nextImage(db, { strategy: 'mix', annotator: 'm1', claimTtlMs: 60_000, trainerOnline: true });
    const spy = vi.spyOn(Math, 'random');
    try {
      spy.mockReturnValue(MIX_RANDOM + 0.01);
      expect(next()).toMatchObject({ id: train.at(-1), reason: 'mix' });
      spy.mockReturnValue(MIX_RANDOM - 0.01);
      const r = next();
      expect(r).toMatchObject({ reason: 'mix: random', why: MIX_RANDOM_WHY });
      expect(ids).toContain(r.id);
    } finally {
      spy.mockRestore();
    }
    expect(MIX_RANDOM).toBe(0.2);
  });
});
