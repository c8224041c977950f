// Formatting for the screens: numbers, units, dates and labels as a person reads them, in
// the window's language (see ../i18n). No DOM and no IPC here, so every rule is covered by
// format.test.ts.

import type { Dimension, Group, MemberState, MetricExplanation, MetricId, Platform, Stage, Unit } from '../api/api';
import { intlLocale, t } from '../i18n/i18n.svelte';

const MINUTE = 60;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const formatters = new Map<string, Intl.NumberFormat | Intl.DateTimeFormat>();

/** One formatter per locale and options, made once: Intl constructors are slow. */
function cached<T extends Intl.NumberFormat | Intl.DateTimeFormat>(key: string, make: (tag: string) => T): T {
  const tag = intlLocale();
  const id = `${tag}|${key}`;
  let formatter = formatters.get(id) as T | undefined;
  if (!formatter) {
    formatter = make(tag);
    formatters.set(id, formatter);
  }
  return formatter;
}

/** The health score with one decimal ("62.4"), or an em dash when there was no data. */
export function formatScore(score: number | null): string {
  return score === null || !Number.isFinite(score) ? '—' : score.toFixed(1);
}

/** Whole counts with thousands separators ("12,480"). */
export function formatCount(count: number): string {
  return cached('count', (tag) => new Intl.NumberFormat(tag)).format(Math.round(count));
}

/** A duration in seconds at the scale a person thinks in: "45 s", "4 min", "1.2 h", "3.5 d". */
export function formatSeconds(seconds: number): string {
  const value = Math.max(0, seconds);
  if (value < 90) return t('unit.seconds', { v: Math.round(value) });
  if (value < 59.5 * MINUTE) return t('unit.minutes', { v: Math.round(value / MINUTE) });
  if (value < 36 * HOUR) return t('unit.hours', { v: trimmed(value / HOUR, 1) });
  return t('unit.days', { v: trimmed(value / DAY, 1) });
}

/** A share of a whole (0–1) as a percentage; one decimal below 10 % where it matters. */
export function formatShare(share: number): string {
  const percent = share * 100;
  const digits = Math.abs(percent) < 10 && Math.round(percent) !== percent ? 1 : 0;
  return `${trimmed(percent, digits)}%`;
}

export function formatUnit(value: number | null, unit: Unit): string {
  if (value === null || !Number.isFinite(value)) return '—';
  switch (unit) {
    case 'seconds':
      return formatSeconds(value);
    case 'share':
      return formatShare(value);
    case 'ratio':
      return value.toFixed(2);
    case 'members':
      return Number.isInteger(value) ? formatCount(value) : value.toFixed(1);
  }
}

/** The target is the metric's `high` threshold; `low > high` means lower is better. */
export function formatTarget(metric: Pick<MetricExplanation, 'low' | 'high' | 'unit'>): string {
  const direction = metric.low > metric.high ? '≤' : '≥';
  return `${direction} ${formatUnit(metric.high, metric.unit)}`;
}

/** Points of the score, one decimal ("12.3"). */
export function formatPoints(points: number): string {
  return points.toFixed(1);
}

/** A weight (0–1) as a whole percentage ("25%"). */
export function formatWeight(weight: number): string {
  return `${trimmed(weight * 100, weight * 100 < 10 ? 1 : 0)}%`;
}

const dateFormat = (): Intl.DateTimeFormat =>
  cached('date', (tag) => new Intl.DateTimeFormat(tag, { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' }));
const dayMonthFormat = (): Intl.DateTimeFormat => cached('day-month', (tag) => new Intl.DateTimeFormat(tag, { day: 'numeric', month: 'short', timeZone: 'UTC' }));

/** The period `[periodStart, asOf)` in Unix seconds as "14 – 20 Nov 2026" style text. */
export function formatPeriod(periodStart: number, asOf: number): string {
  const first = new Date(periodStart * 1000);
  const last = new Date((asOf - 1) * 1000);
  const sameYear = first.getUTCFullYear() === last.getUTCFullYear();
  const start = sameYear ? dayMonthFormat().format(first) : dateFormat().format(first);
  return `${start} – ${dateFormat().format(last)}`;
}

/** Whole days in `[periodStart, asOf)`. */
export function periodDays(periodStart: number, asOf: number): number {
  return Math.round((asOf - periodStart) / DAY);
}

/** A Unix instant as a calendar date ("20 Nov 2026", UTC), or "never". */
export function formatDate(at: number | null): string {
  return at === null ? t('date.never') : dateFormat().format(new Date(at * 1000));
}

export function platformName(platform: Platform): string {
  return t(`platform.${platform}`);
}

/** Where a group's data came from, as the list and the dashboard name it. */
export function groupOrigin(group: Pick<Group, 'platform' | 'is_demo' | 'is_archive'>): string {
  if (group.is_demo) return t('group.generated_sample');
  return group.is_archive ? t('group.export_of', { platform: platformName(group.platform) }) : platformName(group.platform);
}

export function stageName(stage: Stage): string {
  return t(`stage.${stage}`);
}

export function stateName(state: MemberState): string {
  return t(`state.${state}`);
}

export function metricName(metric: MetricId): string {
  return t(`metric.${metric}`);
}

export function dimensionName(dimension: Dimension): string {
  return t(`dimension.${dimension}`);
}

/** Lifecycle stages from the outside in, the order every screen uses. */
export const STAGES: readonly Stage[] = ['observer', 'newcomer', 'participant', 'contributor', 'core'];
export const MEMBER_STATES: readonly MemberState[] = ['active', 'silent', 'churned'];

/** The lever sentence: "Raising X to target would add N points." */
export function leverSentence(metric: MetricId, gain: number): string {
  return t('health.lever', { metric: lowerFirst(metricName(metric)), points: formatPoints(gain) });
}

/** A data URL for an SVG document; encodes UTF-8 first because `btoa` only takes bytes. */
export function svgDataUrl(svg: string): string {
  const bytes = new TextEncoder().encode(svg);
  let binary = '';
  const chunk = 0x8000;
  for (let offset = 0; offset < bytes.length; offset += chunk) {
    binary += String.fromCharCode(...bytes.subarray(offset, offset + chunk));
  }
  return `data:image/svg+xml;base64,${btoa(binary)}`;
}

function lowerFirst(text: string): string {
  // Keep acronyms and names ("DAU/MAU", "p90") as written; only lower a capitalised word.
  return /^[A-Z][a-z]/.test(text) ? text.charAt(0).toLowerCase() + text.slice(1) : text;
}

/** Fixed digits without a trailing ".0". */
function trimmed(value: number, digits: number): string {
  const text = value.toFixed(digits);
  return digits > 0 ? text.replace(/\.0+$/, '') : text;
}

/** A message's time in the computer's timezone, as a chat shows it ("14:05"). */
export function formatTime(at: number): string {
  return cached('time', (tag) => new Intl.DateTimeFormat(tag, { hour: '2-digit', minute: '2-digit' })).format(new Date(at * 1000));
}

/** A calendar day in the computer's timezone, for day separators ("Saturday, 31 October 2026"). */
export function formatDay(at: number): string {
  return cached('day', (tag) => new Intl.DateTimeFormat(tag, { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' })).format(
    new Date(at * 1000),
  );
}

/** Date and time in the computer's timezone, for search results ("31 Oct 2026, 14:05"). */
export function formatDateTime(at: number): string {
  return cached('date-time', (tag) => new Intl.DateTimeFormat(tag, { dateStyle: 'medium', timeStyle: 'short' })).format(new Date(at * 1000));
}

/** The local calendar day of an instant as YYYY-MM-DD, to tell when a day separator is due. */
export function localDayKey(at: number): string {
  const date = new Date(at * 1000);
  return `${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, '0')}-${String(date.getDate()).padStart(2, '0')}`;
}
