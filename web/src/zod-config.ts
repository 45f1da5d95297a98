// Runs before any schema is made (main.tsx imports it first): zod's compiled fast path would probe
// `new Function` — an eval the app's Content-Security-Policy (script-src 'self') refuses and reports.
import { z } from 'zod';

z.config({ jitless: true });
