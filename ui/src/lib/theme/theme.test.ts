import { afterEach, describe, expect, it } from 'vitest';

import { followSystemTheme, setThemeChoice, theme, themeChoice } from './theme.svelte';

function fakeMedia(matches: boolean) {
  const listeners = new Set<() => void>();
  return {
    matches,
    addEventListener: (_: string, listener: () => void) => listeners.add(listener),
    removeEventListener: (_: string, listener: () => void) => listeners.delete(listener),
    flip(next: boolean) {
      this.matches = next;
      for (const listener of listeners) listener();
    },
    listeners,
  };
}

afterEach(() => setThemeChoice('system'));

describe('theme', () => {
  it('follows the system until a theme is picked', () => {
    const media = fakeMedia(true);
    const stop = followSystemTheme(media as unknown as MediaQueryList);
    expect(themeChoice()).toBe('system');
    expect(theme()).toBe('dark');
    expect(document.documentElement.dataset.theme).toBe('dark');

    media.flip(false);
    expect(document.documentElement.dataset.theme).toBe('light');

    setThemeChoice('dark');
    media.flip(false);
    expect(document.documentElement.dataset.theme).toBe('dark');
    expect(localStorage.getItem('hearth.theme')).toBe('dark');

    stop();
    expect(media.listeners.size).toBe(0);
  });

  it('is light without a media query to follow', () => {
    followSystemTheme(null);
    expect(theme()).toBe('light');
  });
});
