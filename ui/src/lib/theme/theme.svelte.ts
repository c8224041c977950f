// Light or dark: follows the system unless the person picks one. The resolved theme is set
// as `data-theme` on <html>, which is what app.css keys its palette on, so a system change
// while the window is open is followed too.

export const THEMES = ['system', 'light', 'dark'] as const;
export type ThemeChoice = (typeof THEMES)[number];
export type Theme = 'light' | 'dark';

const STORAGE_KEY = 'hearth.theme';

function storedChoice(): ThemeChoice {
  try {
    const value = globalThis.localStorage?.getItem(STORAGE_KEY);
    return THEMES.find((theme) => theme === value) ?? 'system';
  } catch {
    return 'system';
  }
}

const current = $state<{ choice: ThemeChoice; system: Theme }>({ choice: storedChoice(), system: 'light' });

export function themeChoice(): ThemeChoice {
  return current.choice;
}

/** The theme actually shown. */
export function theme(): Theme {
  return current.choice === 'system' ? current.system : current.choice;
}

function apply(): void {
  if (typeof document !== 'undefined') document.documentElement.dataset.theme = theme();
}

export function setThemeChoice(choice: ThemeChoice): void {
  current.choice = choice;
  apply();
  try {
    globalThis.localStorage?.setItem(STORAGE_KEY, choice);
  } catch {
    // The choice lasts for this session only.
  }
}

/** Starts following the system's colour scheme; returns the function that stops it. */
export function followSystemTheme(media: Pick<MediaQueryList, 'matches' | 'addEventListener' | 'removeEventListener'> | null): () => void {
  const update = (): void => {
    current.system = media?.matches ? 'dark' : 'light';
    apply();
  };
  update();
  if (!media) return () => {};
  media.addEventListener('change', update);
  return () => media.removeEventListener('change', update);
}
