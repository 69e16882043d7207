import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';

const root = import.meta.dirname;

export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      // Sucrase bundled as ESM: loading its CommonJS parser from node_modules cost a worker's start 45 ms more.
      externalizeDeps: { exclude: ['sucrase'] },
      rolldownOptions: {
        checks: { pluginTimings: false },
        input: {
          // Electron's main process, the browser host, and the session worker they both start.
          main: resolve(root, 'src-main/main.ts'),
          host: resolve(root, 'src-main/host/cli.ts'),
          worker: resolve(root, 'src-main/session/worker.ts'),
        },
        output: {
          entryFileNames: '[name].js',
          // The contract (its zod schemas) in a chunk of its own, apart from its numbers: the session worker needs
          // only the numbers, and loading zod was a third of a worker's start.
          codeSplitting: {
            groups: [
              { name: 'contract-limits', test: /src-main[\\/]contract-limits\.ts$/, priority: 2 },
              { name: 'contract', test: /src-main[\\/]contract(-machine)?\.ts$/, priority: 1 },
            ],
          },
        },
      },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      rolldownOptions: {
        checks: { pluginTimings: false },
        input: { preload: resolve(root, 'src-main/preload.ts') },
        // A preload for a sandbox: true window must be CommonJS.
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(root, 'src-renderer'),
    build: {
      outDir: resolve(root, 'out/renderer'),
      emptyOutDir: true,
      minify: true,
      chunkSizeWarningLimit: 8192,
      rolldownOptions: {
        checks: { pluginTimings: false },
        input: { index: resolve(root, 'src-renderer/index.html') },
      },
    },
  },
});
