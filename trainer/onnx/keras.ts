// Reads a TF.js Keras "layers" model (model.json topology + weight manifest + binary shards), as
// nsfwjs ships it: each file wrapped in a browserify UMD module (the topology as a JS object, each shard
// as one base64 string). The modules are evaluated in an empty vm context (no require, no process),
// so nothing in them can reach the host; weights are de-quantised to float32 by the manifest's rule.
import vm from 'node:vm';

export interface KerasLayer {
  name: string;
  class_name: string;
  config: Record<string, unknown>;
  /** names of the layers feeding this one (first inbound node) */
  inputs: string[];
}
export interface KerasTensor {
  shape: number[];
  data: Float32Array;
}
export interface KerasModel {
  layers: KerasLayer[];
  weights: Map<string, KerasTensor>;
}

interface ManifestEntry {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { min?: number; scale: number; dtype: 'uint8' | 'uint16' | 'float16' };
}

/** Evaluates a UMD module's source and returns its module.exports. */
export function evalUmd(source: string): unknown {
  const module = { exports: {} as unknown };
  vm.runInNewContext(source, { module, exports: module.exports }, { timeout: 10_000 });
  return module.exports;
}

function dequantise(e: ManifestEntry, bytes: Buffer, off: number): { data: Float32Array; size: number } {
  const n = e.shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n);
  const q = e.quantization;
  if (!q) {
    if (e.dtype !== 'float32') throw new Error(`weight ${e.name}: unsupported dtype ${e.dtype}`);
    out.set(new Float32Array(bytes.buffer.slice(bytes.byteOffset + off, bytes.byteOffset + off + 4 * n)));
    return { data: out, size: 4 * n };
  }
  if (q.dtype === 'uint8' || q.dtype === 'uint16') {
    // TF.js affine quantisation: value = min + scale · q
    const wide = q.dtype === 'uint16';
    const min = q.min ?? 0;
    for (let i = 0; i < n; i++) out[i] = min + q.scale * (wide ? bytes.readUInt16LE(off + 2 * i) : bytes[off + i]);
    return { data: out, size: n * (wide ? 2 : 1) };
  }
  throw new Error(`weight ${e.name}: unsupported quantisation ${q.dtype}`);
}

/** Parses topology + concatenated shard bytes into layers and named float32 weights. */
export function parseKeras(modelModule: unknown, shardBytes: Buffer): KerasModel {
  const m = modelModule as {
    modelTopology?: {
      model_config?: {
        config?: {
          layers?: Array<{
            name: string;
            class_name: string;
            config: Record<string, unknown>;
            inbound_nodes: unknown[];
          }>;
        };
      };
    };
    weightsManifest?: Array<{ weights: ManifestEntry[] }>;
  };
  const rawLayers = m.modelTopology?.model_config?.config?.layers;
  const manifest = m.weightsManifest?.flatMap((g) => g.weights);
  if (!rawLayers || !manifest)
    throw new Error('not a TF.js layers model: modelTopology.model_config.config.layers or weightsManifest missing');
  const layers = rawLayers.map((l) => {
    const node = (l.inbound_nodes[0] ?? []) as Array<[string, number, number]>;
    return { name: l.name, class_name: l.class_name, config: l.config, inputs: node.map((x) => x[0]) };
  });
  const weights = new Map<string, KerasTensor>();
  let off = 0;
  for (const e of manifest) {
    const { data, size } = dequantise(e, shardBytes, off);
    weights.set(e.name, { shape: e.shape, data });
    off += size;
  }
  if (off !== shardBytes.length)
    throw new Error(`weight manifest covers ${off} bytes but the shards hold ${shardBytes.length}`);
  return { layers, weights };
}

/** A browserify-wrapped shard: the module exports one base64 string. */
export function shardFromUmd(source: string): Buffer {
  const v = evalUmd(source);
  if (typeof v !== 'string') throw new Error('weight shard module did not export a base64 string');
  return Buffer.from(v, 'base64');
}
