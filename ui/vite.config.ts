/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

export default defineConfig(({ command, mode }) => ({
  plugins: [
    // In `vite serve` (tauri dev) the plugin sometimes failed to load a component's scoped
    // CSS when it was emitted as a separate module; inlining it there fixed that. Builds
    // and tests keep emitting CSS files, which the strict CSP needs (no inline styles).
    svelte({ emitCss: command !== 'serve' || mode === 'test' }),
  ],
  // Tauri serves the built files from its own origin; relative asset paths keep them local.
  base: './',
  clearScreen: false,
  server: { port: 5173, strictPort: true },
  build: {
    target: 'safari16',
    outDir: 'dist',
    emptyOutDir: true,
  },
  // Vitest runs components in jsdom; Svelte's browser build is the one that can mount them.
  resolve: mode === 'test' ? { conditions: ['browser'] } : undefined,
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.ts'],
    // Tests that mount the whole App in jsdom take 3-5.5 s on two loaded cores, and
    // Vitest's default 5 s cut one off. These tests check behaviour, not speed (the
    // benchmarks do): a slow machine must not fail them.
    testTimeout: 20_000,
  },
}));
