// Usage: npx tsx scripts/make-tiny-backbone.ts [--kind tiny|vits16] [--out DIR] [--force]
// Writes a random-weight backbone folder with DINOv3 ViT-S/16's signature (see trainer/onnx/): the same as
// `hilt fetch-model tiny` (or vits16-random), or into another folder with --out.
import path from 'node:path';
import { Command, Option } from 'commander';
import { fetchModel, MODELS_DIR, resolveBackbone } from '../trainer/backbones/registry.ts';
import { makeBackboneFolder } from '../trainer/onnx/make.ts';

const o = new Command('npx tsx scripts/make-tiny-backbone.ts')
  .description('a random-weight backbone folder: tiny (small, informative) or vits16 (full-size ViT-S/16 graph)')
  .addOption(new Option('--kind <kind>', 'which graph').choices(['tiny', 'vits16']).default('tiny'))
  .option('--out <dir>', 'the model folder (default: its place in models/)')
  .option('--force', 'regenerate even if the folder is current')
  .showHelpAfterError()
  .parse()
  .opts<{ kind: 'tiny' | 'vits16'; out?: string; force?: boolean }>();

const name = o.kind === 'tiny' ? 'tiny' : 'vits16-random';
if (o.out && path.resolve(o.out) !== resolveBackbone(name, MODELS_DIR).dir) {
  const r = makeBackboneFolder({ kind: o.kind, out: o.out, force: o.force });
  console.log(r.written ? `wrote ${r.dir} (${(r.bytes / 1e6).toFixed(1)} MB)` : `up to date: ${r.dir}`);
} else {
  const r = await fetchModel(name, { force: o.force });
  console.log(`${r.dir}: ${r.detail}`);
}
