#!/usr/bin/env node
// The `hilt` command: TypeScript sources run through tsx's loader, so no build step is needed for the CLI.
import { availableParallelism } from 'node:os';

// sharp and fs share libuv's pool (4 threads by default): let import use every core on bigger machines
process.env.UV_THREADPOOL_SIZE ??= String(Math.max(4, availableParallelism()));

const { register } = await import('tsx/esm/api');
register();
await import('../server/cli.ts');
