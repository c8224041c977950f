// The Settings screen's edits: what a field shows, whether what was typed can be sent,
// and the edits as the core takes them (`key` and a JSON value). Pure; see settings.test.ts.

import type { SettingEdit, SettingEntry } from '../api/api';

/** Numeric settings that take fractions; every other number is a whole number. */
const FRACTIONAL = /(\.weight|\.low|\.high|contributor_active_days|contributor_responses|demotion_ratio|verdict_margin|noise_min_entropy_bits)$/;

export type FieldKind = 'number' | 'integer' | 'text' | 'list' | 'zone' | 'choice';

export function fieldKind(entry: Pick<SettingEntry, 'key' | 'value'>): FieldKind {
  if (entry.key === 'health.threshold_source') return 'choice';
  if (entry.key === 'heatmaps.timezone') return 'zone';
  if (Array.isArray(entry.value)) return 'list';
  if (typeof entry.value === 'number') return FRACTIONAL.test(entry.key) ? 'number' : 'integer';
  return 'text';
}

/** The value as the field shows it. */
export function displayValue(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (Array.isArray(value)) return value.join(', ');
  return String(value);
}

export type ProblemCode = 'not_a_number' | 'not_whole' | 'weights_sum';

export interface FieldProblem {
  /** The key at fault; `health.metrics` for the sum of the weights. */
  key: string;
  code: ProblemCode;
  /** For the message: an example value, or the sum. */
  detail: string;
}

const NUMBER = /^-?(\d+\.?\d*|\.\d+)(e-?\d+)?$/i;

/** Problems of the edits that the window can see before asking the core. */
export function validateEdits(entries: readonly SettingEntry[], edits: Readonly<Record<string, string>>): FieldProblem[] {
  const problems: FieldProblem[] = [];
  for (const entry of entries) {
    const typed = edits[entry.key];
    if (typed === undefined) continue;
    const kind = fieldKind(entry);
    if (kind !== 'number' && kind !== 'integer') continue;
    const text = typed.trim();
    if (!NUMBER.test(text)) {
      problems.push({ key: entry.key, code: 'not_a_number', detail: displayValue(entry.value) });
    } else if (kind === 'integer' && !Number.isInteger(Number(text))) {
      problems.push({ key: entry.key, code: 'not_whole', detail: displayValue(entry.value) });
    }
  }
  const weights = entries.filter((entry) => /^health\.metrics\.[a-z0-9_]+\.weight$/.test(entry.key));
  const edited = weights.some((entry) => edits[entry.key] !== undefined);
  if (edited && !problems.some((problem) => problem.key.endsWith('.weight'))) {
    const sum = weights.reduce((total, entry) => total + Number(edits[entry.key] ?? entry.value), 0);
    if (Math.abs(sum - 1) > 1e-6) problems.push({ key: 'health.metrics', code: 'weights_sum', detail: String(Math.round(sum * 1000) / 1000) });
  }
  return problems;
}

/** The edits that differ from the stored values, as the core takes them. */
export function toEdits(entries: readonly SettingEntry[], edits: Readonly<Record<string, string>>): SettingEdit[] {
  const result: SettingEdit[] = [];
  for (const entry of entries) {
    const typed = edits[entry.key];
    if (typed === undefined || typed === displayValue(entry.value)) continue;
    const kind = fieldKind(entry);
    let value: string;
    if (kind === 'number' || kind === 'integer') value = typed.trim();
    else if (kind === 'list')
      value = JSON.stringify(
        typed
          .split(',')
          .map((word) => word.trim())
          .filter((word) => word !== ''),
      );
    else if (kind === 'zone') value = typed.trim() === '' ? 'null' : JSON.stringify(typed.trim());
    else value = JSON.stringify(typed);
    result.push({ key: entry.key, value });
  }
  return result;
}
