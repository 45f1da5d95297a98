// Tests run under Node (no Solid/browser transforms): server, trainer, pure web logic, and e2e via playwright-core.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 180_000,
    // 2-core machines: two files at a time, so server/trainer child processes are not starved of CPU
    maxWorkers: 2,
    pool: 'forks',
    // the model folders tests load by name (tiny, mobilenetv2-imagenet), built once up front
    globalSetup: ['tests/helpers/models-setup.ts'],
  },
});
