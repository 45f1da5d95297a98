// vitest globalSetup: the model folders the tests load by name, made once before any test file runs, the way
// a user makes them (`hilt fetch-model`; the loader itself never builds). tiny is generated in about a second;
// mobilenetv2-imagenet is converted from the nsfwjs npm tarball (cached in models/.npm-packages; CI builds it
// first with scripts/make-mobilenet.ts). Both are kept when current. If mobilenet cannot be built here (no
// npm registry), the tests that load it fail with the loader's error naming the command; the others run.
import { fetchModel } from '../../trainer/backbones/registry.ts';

export default async function setup(): Promise<void> {
  await fetchModel('tiny');
  try {
    await fetchModel('mobilenetv2-imagenet');
  } catch (e) {
    console.warn(`models-setup: mobilenetv2-imagenet not built: ${(e as Error).message}`);
  }
}
