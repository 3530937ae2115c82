import react from '@vitejs/plugin-react';
import { defineConfig } from 'electron-vite';
import { resolve } from 'node:path';

// Three bundles, one per process. The folder names are the design card's (src-main, src-preload,
// src-renderer) rather than electron-vite's defaults, so every entry is spelled out.
export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      // better-sqlite3 is a native module and electron-store reads its own package files:
      // both stay in node_modules (unpacked from the asar at packaging time).
      externalizeDeps: true,
      lib: { entry: resolve('src-main/index.ts'), formats: ['es'] },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      // A sandboxed preload cannot `require` anything but a few electron modules, so zod and the
      // contract are bundled into one CommonJS file (sandboxed preloads cannot be ES modules).
      externalizeDeps: false,
      lib: { entry: resolve('src-preload/index.ts'), formats: ['cjs'], fileName: () => 'index.cjs' },
      rollupOptions: { external: ['electron'] },
    },
  },
  renderer: {
    root: resolve('src-renderer'),
    plugins: [react()],
    build: {
      outDir: resolve('out/renderer'),
      emptyOutDir: true,
      // electron-vite leaves minification off; the page parses this bundle on every start.
      minify: true,
      // One bundle on purpose: it loads from the local disk (asar), where splitting buys nothing.
      chunkSizeWarningLimit: 1024,
      rollupOptions: { input: resolve('src-renderer/index.html') },
    },
  },
});
