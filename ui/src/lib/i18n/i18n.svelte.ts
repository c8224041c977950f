// The window's language: English or Simplified Chinese, switchable at run time. Components
// call `t`/`tn` in their markup; both read the reactive locale, so a switch re-renders every
// string without a reload. Numbers and dates use the same locale (see `intlLocale`).

import { en } from './en';
import { interpolate, type MessageKey, type Messages, type Params, type PluralKey } from './messages';
import { zhCN } from './zh-CN';

export const LOCALES = ['en', 'zh-CN'] as const;
export type Locale = (typeof LOCALES)[number];

/** Each language's own name, as the language picker shows it. */
export const LOCALE_NAMES: Record<Locale, string> = { en: 'English', 'zh-CN': '简体中文' };

const CATALOGUES: Record<Locale, Messages> = { en, 'zh-CN': zhCN };
const STORAGE_KEY = 'hearth.locale';

/** The language the system asks for, when the person has not picked one. */
export function systemLocale(languages: readonly string[] = typeof navigator === 'undefined' ? [] : navigator.languages): Locale {
  for (const language of languages) {
    const lower = language.toLowerCase();
    if (lower.startsWith('zh')) return 'zh-CN';
    if (lower.startsWith('en')) return 'en';
  }
  return 'en';
}

function storedLocale(): Locale | null {
  try {
    const value = globalThis.localStorage?.getItem(STORAGE_KEY);
    return LOCALES.find((locale) => locale === value) ?? null;
  } catch {
    return null;
  }
}

const current = $state<{ locale: Locale }>({ locale: storedLocale() ?? systemLocale() });

export function locale(): Locale {
  return current.locale;
}

/** Switches the language and remembers the choice for the next start. */
export function setLocale(next: Locale): void {
  current.locale = next;
  if (typeof document !== 'undefined') document.documentElement.lang = next;
  try {
    globalThis.localStorage?.setItem(STORAGE_KEY, next);
  } catch {
    // Private mode or a full disk: the choice lasts for this session only.
  }
}

/** The BCP 47 tag for Intl formatters: grouping, decimal marks and month names. */
export function intlLocale(): string {
  return current.locale === 'zh-CN' ? 'zh-CN' : 'en-GB';
}

const numberFormats = new Map<string, Intl.NumberFormat>();

/**
 * A number formatter for the window's locale with `options`, made once per locale and
 * options: Intl constructors are slow, and a screen formats hundreds of numbers.
 */
export function numberFormat(options: Intl.NumberFormatOptions = {}): Intl.NumberFormat {
  const tag = intlLocale();
  const key = `${tag}|${JSON.stringify(options)}`;
  let format = numberFormats.get(key);
  if (!format) {
    format = new Intl.NumberFormat(tag, options);
    numberFormats.set(key, format);
  }
  return format;
}

/** A plain message in the current language. */
export function t(key: MessageKey, params?: Params): string {
  return interpolate(CATALOGUES[current.locale][key] as string, params);
}

const pluralRules = new Map<string, Intl.PluralRules>();

/** A counted message ("3 members" / "3 名成员"); `{n}` is the count with grouping. */
export function tn(key: PluralKey, count: number, params?: Params): string {
  const tag = intlLocale();
  let rules = pluralRules.get(tag);
  if (!rules) {
    rules = new Intl.PluralRules(tag);
    pluralRules.set(tag, rules);
  }
  const forms = CATALOGUES[current.locale][key] as Messages[PluralKey];
  const form = forms[rules.select(count)] ?? forms.other;
  return interpolate(form, { ...params, n: numberFormat().format(Math.round(count)) });
}
