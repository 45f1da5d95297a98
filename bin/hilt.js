#!/usr/bin/env node
// The `hilt` command: TypeScript sources run through tsx's loader, so no build step is needed for the CLI.
import { register } from 'tsx/esm/api';

register();
await import('../server/cli.ts');
