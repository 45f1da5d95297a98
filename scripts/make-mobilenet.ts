// Usage: npx tsx scripts/make-mobilenet.ts [--out DIR] [--cache DIR] [--force]
// Builds models/mobilenetv2-imagenet-v<version>/ (transformers.js layout: config.json, preprocessor_config.json,
// onnx/model.onnx) from the ImageNet MobileNetV2 backbone inside nsfwjs@4.4.0 (MIT): `npm pack` into a
// cache folder, integrity-checked, converted by trainer/onnx/keras-to-onnx.ts. Idempotent; the trainer
// also does this on first use, this script just does it ahead of time (CI, an offline machine's setup).
import { parseArgs } from 'node:util';
import { DEFAULT_FOLDER, ensureBackboneFolder, MODELS_DIR } from '../trainer/onnx/make.ts';
import { npmCacheDir, MOBILENET_SOURCE } from '../trainer/onnx/mobilenet.ts';

const { values } = parseArgs({
  options: {
    out: { type: 'string' },
    cache: { type: 'string' },
    force: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  console.log(`usage: make-mobilenet [--out DIR] [--cache DIR] [--force]
  converts ${MOBILENET_SOURCE}
  --out    model folder          (default ${DEFAULT_FOLDER.mobilenetv2})
  --cache  npm tarball cache     (default ${npmCacheDir(MODELS_DIR)}, env HILT_NPM_CACHE)
  --force  rebuild even if the folder is current`);
  process.exit(0);
}
const t0 = performance.now();
try {
  const r = await ensureBackboneFolder({
    kind: 'mobilenetv2',
    out: values.out,
    cacheDir: values.cache,
    force: values.force,
  });
  const ms = Math.round(performance.now() - t0);
  console.log(
    r.written
      ? `wrote ${r.dir} (${(r.bytes / 1e6).toFixed(1)} MB, ${r.params} params, ${ms} ms)`
      : `up to date: ${r.dir} (use --force to rebuild)`,
  );
} catch (e) {
  console.error(`make-mobilenet: ${(e as Error).message}`);
  process.exit(1);
}
