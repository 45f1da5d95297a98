// A model folder in transformers.js' layout: config.json, preprocessor_config.json, onnx/model.onnx (and
// onnx/model.onnx_data when config.json says the weights are external). What is in it, and the hash of its
// configuration that keys the feature cache.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where model folders live (`hilt fetch-model` writes them, the loader reads them); env HILT_MODELS_DIR. */
export const MODELS_DIR =
  process.env.HILT_MODELS_DIR ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../models');

/** config.json + onnx/model.onnx, and the external data file when the config says there is one. */
export function hasModel(dir: string): boolean {
  try {
    const cfg = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
    const ext = cfg['transformers.js_config']?.use_external_data_format;
    return (
      fs.existsSync(path.join(dir, 'onnx', 'model.onnx')) &&
      (!ext || fs.existsSync(path.join(dir, 'onnx', 'model.onnx_data')))
    );
  } catch {
    return false;
  }
}

/**
 * sha256 (first 12 hex digits) of config.json and preprocessor_config.json as they are on disk: what the
 * features depend on besides the weights, and what a builder changes when it writes another graph (its
 * version is in the config). Part of the feature cache's key: a rebuilt or replaced model gets new caches.
 */
export function configHash(dir: string): string {
  const h = crypto.createHash('sha256');
  for (const f of ['config.json', 'preprocessor_config.json']) {
    const p = path.join(dir, f);
    h.update(`${f}\0`);
    if (fs.existsSync(p)) h.update(fs.readFileSync(p));
    h.update('\0');
  }
  return h.digest('hex').slice(0, 12);
}

export type LoadFailureKind = 'missing' | 'offline' | 'download_failed' | 'unknown_backbone' | 'load_failed';

/** Why a backbone cannot be used: its folder is missing, the hub unreachable, the name unknown, the load failed. */
export class BackboneLoadError extends Error {
  constructor(
    readonly kind: LoadFailureKind,
    readonly backbone: string,
    message: string,
    readonly cause?: unknown,
  ) {
    super(message);
    this.name = 'BackboneLoadError';
  }
}
