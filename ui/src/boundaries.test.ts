// The UI's invariants, checked on the source text: only lib/api talks to Tauri, and no
// component turns a string into markup (community text comes from strangers).

import { describe, expect, it } from 'vitest';

const sources = import.meta.glob(['./**/*.ts', './**/*.svelte', '!./**/*.test.ts', '!./lib/api/bindings/**'], {
  query: '?raw',
  import: 'default',
  eager: true,
}) as Record<string, string>;

describe('UI boundaries', () => {
  it('finds the sources it checks', () => {
    expect(Object.keys(sources)).toContain('./App.svelte');
  });

  it('lets only lib/api import @tauri-apps/api and the Tauri plugins', () => {
    const offenders = Object.entries(sources)
      .filter(([path, text]) => !path.startsWith('./lib/api/') && text.includes('@tauri-apps/'))
      .map(([path]) => path);
    expect(offenders).toEqual([]);
  });

  it('never renders a string as HTML', () => {
    const offenders = Object.entries(sources)
      .filter(([, text]) => /\{@html|innerHTML|outerHTML|insertAdjacentHTML/.test(text))
      .map(([path]) => path);
    expect(offenders).toEqual([]);
  });
});
