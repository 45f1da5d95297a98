// Usage: npx tsx scripts/make-tiny-backbone.ts [--out DIR] [--kind tiny|vits16] [--force]
// Writes a random-weight backbone folder with DINOv3 ViT-S/16's signature (see trainer/onnx/).
import { parseArgs } from 'node:util';
import { makeBackboneFolder, type GeneratedKind } from '../trainer/onnx/make.ts';

const { values } = parseArgs({
  options: {
    out: { type: 'string' },
    kind: { type: 'string', default: 'tiny' },
    force: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (values.help) {
  console.log('usage: make-tiny-backbone [--out DIR] [--kind tiny|vits16] [--force]');
  console.log('  tiny   (default) small informative random backbone → models/tiny-dinov3/');
  console.log('  vits16 full-size ViT-S/16-shaped random graph for benchmarks → models/vits16-random/');
  process.exit(0);
}
if (values.kind !== 'tiny' && values.kind !== 'vits16') {
  console.error(`unknown --kind ${values.kind} (expected tiny or vits16)`);
  process.exit(2);
}

const t0 = performance.now();
const r = makeBackboneFolder({ kind: values.kind as GeneratedKind, out: values.out, force: values.force });
const ms = Math.round(performance.now() - t0);
console.log(
  r.written
    ? `wrote ${r.dir} (${(r.bytes / 1e6).toFixed(1)} MB, ${r.params} params, ${ms} ms)`
    : `up to date: ${r.dir} (use --force to regenerate)`,
);
