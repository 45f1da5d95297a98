// Test fixtures: a temp sessions dir, generated images imported through the real importer, a running server.
import { mkdtempSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { closeSession, openSession } from '../../server/session.ts';
import { importInto } from '../../server/import/import.ts';
import { startServer, type Running } from '../../server/serve.ts';

export function tempDir(prefix = 'hilt-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** n distinct small PNGs (colour varies with i) in dir; returns their paths. */
export async function makeImages(dir: string, n: number, size = { width: 64, height: 48 }): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  const paths: string[] = [];
  for (let i = 0; i < n; i++) {
    const p = join(dir, `img-${String(i).padStart(4, '0')}.png`);
    await sharp({
      create: { ...size, channels: 3, background: { r: (i * 37) % 256, g: (i * 91) % 256, b: (i * 13 + 7) % 256 } },
    })
      .composite([
        {
          input: Buffer.from([i % 256, (i >> 8) % 256, 1, 255]),
          raw: { width: 1, height: 1, channels: 4 },
          left: 0,
          top: 0,
        },
      ])
      .png()
      .toFile(p);
    paths.push(p);
  }
  return paths;
}

/** A session named `name` holding n generated images. */
export async function makeSession(
  sessionsDir: string,
  name: string,
  n: number,
  size?: { width: number; height: number },
): Promise<void> {
  const dir = join(sessionsDir, '..', `${name}-images-${Math.random().toString(36).slice(2)}`);
  await makeImages(dir, n, size);
  const s = openSession(sessionsDir, name, { create: true });
  try {
    await importInto(s, dir);
  } finally {
    closeSession(s);
  }
}

export interface TestServer extends Running {
  api<T = any>(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: T }>;
}

export async function serveSession(
  sessionsDir: string,
  name: string,
  opts: { host?: string; token?: string } = {},
): Promise<TestServer> {
  const r = await startServer({
    sessionsDir,
    session: name,
    port: 0,
    host: opts.host,
    token: opts.token,
    webDir: null,
    log: () => {},
  });
  return Object.assign(r, {
    async api(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
      const res = await fetch(r.url + path, {
        method,
        headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        /* non-JSON body */
      }
      return { status: res.status, body: parsed as any };
    },
  });
}
