// Usage: npx tsx scripts/make-mobilenet.ts [--out DIR] [--force]
// Builds models/mobilenetv2-imagenet-v<version>/ ahead of time (CI, an offline machine's setup): the same as
// `npx hilt fetch-model mobilenetv2-imagenet` (trainer/backbones/registry.ts), which converts the ImageNet
// MobileNetV2 backbone inside nsfwjs@4.4.0 (MIT): `npm pack` into models/.npm-packages (env HILT_NPM_CACHE),
// integrity-checked, converted by trainer/onnx/keras-to-onnx.ts. Idempotent.
import { Command } from 'commander';
import { fetchModel, MODELS_DIR } from '../trainer/backbones/registry.ts';
import { MOBILENET_SOURCE } from '../trainer/onnx/mobilenet.ts';

const o = new Command('npx tsx scripts/make-mobilenet.ts')
  .description(`converts ${MOBILENET_SOURCE} (the same as \`hilt fetch-model mobilenetv2-imagenet\`)`)
  .option('--out <dir>', 'models folder (env HILT_MODELS_DIR)', MODELS_DIR)
  .option('--force', 'rebuild even if the folder is current')
  .showHelpAfterError()
  .parse()
  .opts<{ out: string; force?: boolean }>();
try {
  const r = await fetchModel('mobilenetv2-imagenet', { modelsDir: o.out, force: o.force });
  console.log(`${r.dir}: ${r.detail}`);
} catch (e) {
  console.error(`make-mobilenet: ${(e as Error).message}`);
  process.exit(1);
}
