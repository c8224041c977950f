// The shape of a language's messages, derived from the English ones so that a missing or
// extra key in another language is a type error.

import { en } from './en';

/** Plural forms by Intl.PluralRules category; `other` is always there. */
export type PluralForms = Partial<Record<Intl.LDMLPluralRule, string>> & { other: string };

type English = typeof en;

export type Messages = { [K in keyof English]: English[K] extends string ? string : PluralForms };

/** Keys of plain messages, for `t`. */
export type MessageKey = { [K in keyof English]: English[K] extends string ? K : never }[keyof English];

/** Keys of counted messages, for `tn`. */
export type PluralKey = { [K in keyof English]: English[K] extends string ? never : K }[keyof English];

export type Params = Record<string, string | number>;

/** Replaces each `{name}` with its parameter; an unknown placeholder is left as written. */
export function interpolate(template: string, params: Params = {}): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

/** The placeholders a message uses, sorted, for the parity check between languages. */
export function placeholders(template: string): string[] {
  return [...new Set([...template.matchAll(/\{(\w+)\}/g)].map((match) => match[1] ?? ''))].sort();
}
