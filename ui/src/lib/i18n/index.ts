// The window's language. See i18n.svelte.ts.
export { intlLocale, locale, LOCALE_NAMES, LOCALES, setLocale, systemLocale, t, tn, type Locale } from './i18n.svelte';
export type { MessageKey, PluralKey } from './messages';
