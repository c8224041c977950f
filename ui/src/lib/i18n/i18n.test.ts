import { afterEach, describe, expect, it } from 'vitest';

import { en } from './en';
import { locale, setLocale, systemLocale, t, tn } from './i18n.svelte';
import { placeholders } from './messages';
import { zhCN } from './zh-CN';

afterEach(() => setLocale('en'));

function forms(value: string | Record<string, string>): string[] {
  return typeof value === 'string' ? [value] : Object.values(value);
}

describe('catalogues', () => {
  it('have the same keys and the same placeholders in every language', () => {
    expect(Object.keys(zhCN).sort()).toEqual(Object.keys(en).sort());
    for (const [key, english] of Object.entries(en)) {
      const chinese = zhCN[key as keyof typeof zhCN];
      const expected = placeholders(forms(english).join(' '));
      for (const form of forms(chinese)) {
        expect({ key, placeholders: placeholders(form) }).toEqual({ key, placeholders: expected });
      }
    }
  });

  it('have no empty message and no untranslated Chinese one, names and brands aside', () => {
    const sameInBoth = new Set(['app.name', 'import.done_subtitle', 'import.format_telegram', 'platform.telegram', 'platform.slack', 'platform.discord', 'platform.whatsapp', 'platform.git']);
    for (const [key, english] of Object.entries(en)) {
      for (const form of forms(english)) expect(form.trim(), key).not.toBe('');
      if (!sameInBoth.has(key)) expect(forms(zhCN[key as keyof typeof zhCN]), key).not.toEqual(forms(english));
    }
  });

  it('contain every key the sources ask for, and the sources use every key', () => {
    const sources = import.meta.glob(['../../**/*.ts', '../../**/*.svelte', '!../../**/*.test.ts', '!../../lib/api/bindings/**', '!./**'], {
      query: '?raw',
      import: 'default',
      eager: true,
    }) as Record<string, string>;
    expect(Object.keys(sources).length).toBeGreaterThan(10);
    // Asked for: the literal first argument of t/tn. Used: any literal naming a key (some
    // are kept in variables first), or a template prefix like `metric.${id}`.
    const asked = new Set<string>();
    const literals = new Set<string>();
    const prefixes: string[] = [];
    for (const source of Object.values(sources)) {
      for (const match of source.matchAll(/\btn?\(\s*'([\w.]+)'/g)) asked.add(match[1] ?? '');
      for (const match of source.matchAll(/'([a-z_0-9]+\.[a-z_0-9.]+)'/g)) literals.add(match[1] ?? '');
      for (const match of source.matchAll(/`([a-z_]+\.)\$\{/g)) prefixes.push(match[1] ?? '');
    }
    for (const key of asked) expect(Object.keys(en), `unknown key ${key}`).toContain(key);
    for (const key of Object.keys(en)) {
      expect(literals.has(key) || prefixes.some((prefix) => key.startsWith(prefix)), `unused key ${key}`).toBe(true);
    }
  });
});

describe('t and tn', () => {
  it('switch language at run time and fill placeholders', () => {
    expect(t('health.lever', { metric: '7-day retention', points: '10.9' })).toBe('Raising 7-day retention to target would add 10.9 points.');
    setLocale('zh-CN');
    expect(locale()).toBe('zh-CN');
    expect(t('health.title')).toBe('健康分');
    expect(document.documentElement.lang).toBe('zh-CN');
  });

  it('pick the plural form of the language and group the count', () => {
    expect(tn('count.member', 1)).toBe('1 member');
    expect(tn('count.member', 12480)).toBe('12,480 members');
    setLocale('zh-CN');
    expect(tn('count.member', 1)).toBe('1 名成员');
    expect(tn('count.message', 12480)).toBe('12,480 条消息');
  });

  it('follow the system language until one is picked, and remember the pick', () => {
    expect(systemLocale(['zh-TW', 'en-US'])).toBe('zh-CN');
    expect(systemLocale(['de-DE', 'en-US'])).toBe('en');
    expect(systemLocale(['fr-FR'])).toBe('en');
    setLocale('zh-CN');
    expect(localStorage.getItem('hearth.locale')).toBe('zh-CN');
  });
});
