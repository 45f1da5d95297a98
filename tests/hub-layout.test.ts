// @vitest-environment node
// The real DINOv3 hub export keeps its weights beside the graph (onnx/model.onnx + onnx/model.onnx_data,
// `transformers.js_config.use_external_data_format` in config.json). Our tiny writer emits that layout,
// and every loading path takes it, offline: a local folder, the hub id from models/, and `fetch-model`
// from a hub (a local HTTP server standing in for huggingface.co through HF_ENDPOINT). Non-224 inputs too.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Tensor } from '@huggingface/transformers';
import { hasModel, loadBackbone, type LoadedBackbone } from '../trainer/backbones/load.ts';
import { BACKBONES, fetchModel, localHubFolder } from '../trainer/backbones/registry.ts';
import { EXTERNAL_DATA_FILE, makeBackboneFolder } from '../trainer/onnx/make.ts';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hilt-hub-layout-'));
const ext = path.join(tmp, 'tiny-external');
const inline = path.join(tmp, 'tiny-inline');
const HUB_ID = BACKBONES['dinov3-vits16'].hubId!;
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
beforeAll(() => {
  makeBackboneFolder({ kind: 'tiny', out: ext, externalData: true });
  makeBackboneFolder({ kind: 'tiny', out: inline });
});

async function run(bb: LoadedBackbone, side: number): Promise<{ dims: number[]; data: Float32Array }> {
  const x = Float32Array.from({ length: 3 * side * side }, (_, i) => Math.sin(i * 0.37));
  const out = await bb.model({ pixel_values: new Tensor('float32', x, [1, 3, side, side]) });
  return { dims: out.last_hidden_state.dims as number[], data: out.last_hidden_state.data as Float32Array };
}

describe('external-data layout', () => {
  it('writes a small graph and a large data file, and says so in config.json', () => {
    const graph = fs.statSync(path.join(ext, 'onnx', 'model.onnx')).size;
    const data = fs.statSync(path.join(ext, 'onnx', EXTERNAL_DATA_FILE)).size;
    expect(graph).toBeLessThan(20_000);
    expect(data).toBeGreaterThan(10 * graph);
    const cfg = JSON.parse(fs.readFileSync(path.join(ext, 'config.json'), 'utf8'));
    expect(cfg['transformers.js_config'].use_external_data_format).toEqual({ 'model.onnx': 1 });
    expect(hasModel(ext)).toBe(true);
    fs.renameSync(path.join(ext, 'onnx', EXTERNAL_DATA_FILE), path.join(tmp, 'moved'));
    try {
      expect(hasModel(ext)).toBe(false);
    } finally {
      fs.renameSync(path.join(tmp, 'moved'), path.join(ext, 'onnx', EXTERNAL_DATA_FILE));
    }
  });

  it('a local folder loads and computes exactly what the inline graph computes, at 224 and 448', async () => {
    const a = await loadBackbone({ backbone: ext, device: 'cpu', offline: true });
    const b = await loadBackbone({ backbone: inline, device: 'cpu', offline: true });
    try {
      for (const side of [224, 448]) {
        const [ra, rb] = [await run(a, side), await run(b, side)];
        expect(ra.dims).toEqual([1, 1 + 4 + (side / 16) ** 2, 64]);
        expect(ra.data).toEqual(rb.data);
      }
    } finally {
      await a.dispose();
      await b.dispose();
    }
  });

  it('the hub id loads offline from models/<org>/<repo>/ in that layout', async () => {
    const models = path.join(tmp, 'models-offline');
    fs.cpSync(ext, localHubFolder(HUB_ID, models), { recursive: true });
    const bb = await loadBackbone({ backbone: 'dinov3-vits16', device: 'cpu', offline: true, modelsDir: models });
    try {
      expect(bb.dir).toBe(localHubFolder(HUB_ID, models));
      expect((await run(bb, 448)).dims).toEqual([1, 1 + 4 + 28 * 28, 64]);
    } finally {
      await bb.dispose();
    }
  });

  it('fetch-model downloads the data file too (from a hub at HF_ENDPOINT), then loads offline', async () => {
    const requested: string[] = [];
    // huggingface.co's layout: /<org>/<repo>/resolve/<revision>/<file>
    const server = http.createServer((req, res) => {
      const m = /^\/(.+?)\/resolve\/main\/(.+)$/.exec(decodeURIComponent(req.url ?? ''));
      const file = m && m[1] === HUB_ID ? path.join(ext, m[2]) : null;
      requested.push(m?.[2] ?? String(req.url));
      if (!file || !file.startsWith(ext) || !fs.existsSync(file)) {
        res.writeHead(404).end('not found');
        return;
      }
      res.writeHead(200, { 'content-length': fs.statSync(file).size }).end(fs.readFileSync(file));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const saved = process.env.HF_ENDPOINT;
    process.env.HF_ENDPOINT = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const models = path.join(tmp, 'models-fetched');
    try {
      const { dir } = await fetchModel('dinov3-vits16', { modelsDir: models });
      expect(dir).toBe(localHubFolder(HUB_ID, models));
      expect(requested).toContain(`onnx/${EXTERNAL_DATA_FILE}`);
      expect(
        fs
          .readFileSync(path.join(dir, 'onnx', EXTERNAL_DATA_FILE))
          .equals(fs.readFileSync(path.join(ext, 'onnx', EXTERNAL_DATA_FILE))),
      ).toBe(true);
    } finally {
      if (saved === undefined) delete process.env.HF_ENDPOINT;
      else process.env.HF_ENDPOINT = saved;
      server.close();
    }
    const bb = await loadBackbone({ backbone: 'dinov3-vits16', device: 'cpu', offline: true, modelsDir: models });
    try {
      expect((await run(bb, 224)).dims).toEqual([1, 1 + 4 + 196, 64]);
    } finally {
      await bb.dispose();
    }
  });
});
