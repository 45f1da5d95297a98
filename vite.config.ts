import { defineConfig } from 'vite';
import solid from 'vite-plugin-solid';

const api = process.env.HILT_API ?? 'http://127.0.0.1:8001';

export default defineConfig({
  root: 'web',
  plugins: [solid()],
  build: { outDir: '../dist/web', emptyOutDir: true, target: 'es2022' },
  server: { proxy: { '/api': api, '/ws': { target: api.replace(/^http/, 'ws'), ws: true } } },
});
