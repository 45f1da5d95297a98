// Annotations the API acknowledged survive a kill -9 of the server process (SQLite WAL, committed per request).
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { closeSession, openSession } from '../server/session.ts';
import { makeSession, tempDir } from './helpers/fixtures.ts';

function startChild(sessionsDir: string, session: string) {
  const child = spawn(
    process.execPath,
    ['bin/hilt.js', 'serve', '--session', session, '--sessions-dir', sessionsDir, '--port', '0'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const url = new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/listening on (http:\/\/\S+)/);
      if (m) resolve(m[1]);
    });
    child.stderr.on('data', (d) => {
      out += d;
    });
    child.on('exit', (code) => reject(new Error(`server exited ${code}: ${out}`)));
  });
  return { child, url };
}

describe('durability', () => {
  it('keeps every acknowledged annotation after kill -9', async () => {
    const dir = tempDir();
    await makeSession(dir, 'dur', 40);
    const { child, url } = startChild(dir, 'dur');
    const base = await url;
    const put = (p: string, body: unknown) =>
      fetch(base + p, {
        method: p.endsWith('task') ? 'PUT' : p.includes('annotation') ? 'PUT' : 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }).then((r) => r.json());
    await put('/api/session/task', { task: 'classification' });
    const cls = (await put('/api/classes', { name: 'x' })).class;
    const acked: number[] = [];
    for (let id = 1; id <= 40; id++) {
      const r = await put(
        `/api/images/${id}/annotation`,
        id % 3 ? { kind: 'label', classId: cls.id } : { kind: 'skip' },
      );
      if (r.annotation) acked.push(id);
    }
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    expect(acked).toHaveLength(40);
    const s = openSession(dir, 'dur');
    try {
      const rows = s.db.$client.prepare('select image_id, kind from annotations order by image_id').all() as {
        image_id: number;
        kind: string;
      }[];
      expect(rows.map((r) => r.image_id)).toEqual(acked);
      expect(rows.filter((r) => r.kind === 'skip')).toHaveLength(13);
    } finally {
      closeSession(s);
    }
  });
});
