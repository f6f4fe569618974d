import { defineConfig } from 'vite';
import vue from '@vitejs/plugin-vue';
import { fileURLToPath } from 'node:url';

// Electron 45 ships Chromium 156 (checked against electron-to-chromium by test/unit/build/vite-target.test.ts).
export const CHROMIUM_TARGET = 'chrome156';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  plugins: [vue()],
  build: {
    target: CHROMIUM_TARGET,
    outDir: fileURLToPath(new URL('../dist/renderer', import.meta.url)),
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 2048,
  },
  resolve: {
    alias: {
      '@shared': fileURLToPath(new URL('../shared', import.meta.url)),
      // shared/csv.ts writes CSV with csv-stringify; its Node build needs Buffer, its browser build does not.
      'csv-stringify/sync': 'csv-stringify/browser/esm/sync',
    },
  },
});
