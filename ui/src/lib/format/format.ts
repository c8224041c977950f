// Pure formatting for the dashboard: numbers, units, dates and labels as a person reads
// them. No DOM and no IPC here, so every rule is covered by format.test.ts.

import type { Group, MemberState, MetricExplanation, Platform, Stage, Unit } from '../api/api';

const MINUTE = 60;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const grouped = new Intl.NumberFormat('en-US');

/** The health score with one decimal ("62.4"), or an em dash when there was no data. */
export function formatScore(score: number | null): string {
  return score === null || !Number.isFinite(score) ? '—' : score.toFixed(1);
}

/** Whole counts with thousands separators ("12,480"). */
export function formatCount(count: number): string {
  return grouped.format(Math.round(count));
}

/** A duration in seconds at the scale a person thinks in: "45 s", "4 min", "1.2 h", "3.5 d". */
export function formatSeconds(seconds: number): string {
  const value = Math.max(0, seconds);
  if (value < 90) return `${Math.round(value)} s`;
  if (value < 59.5 * MINUTE) return `${Math.round(value / MINUTE)} min`;
  if (value < 36 * HOUR) return `${trimmed(value / HOUR, 1)} h`;
  return `${trimmed(value / DAY, 1)} d`;
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

const dateFormat = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });
const dayMonthFormat = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', timeZone: 'UTC' });

/** The period `[periodStart, asOf)` in Unix seconds as "14 – 20 Nov 2026" style text. */
export function formatPeriod(periodStart: number, asOf: number): string {
  const first = new Date(periodStart * 1000);
  const last = new Date((asOf - 1) * 1000);
  const sameYear = first.getUTCFullYear() === last.getUTCFullYear();
  const start = sameYear ? dayMonthFormat.format(first) : dateFormat.format(first);
  return `${start} – ${dateFormat.format(last)}`;
}

/** Whole days in `[periodStart, asOf)`. */
export function periodDays(periodStart: number, asOf: number): number {
  return Math.round((asOf - periodStart) / DAY);
}

/** A Unix instant as a calendar date ("20 Nov 2026", UTC), or "never". */
export function formatDate(at: number | null): string {
  return at === null ? 'never' : dateFormat.format(new Date(at * 1000));
}

const PLATFORM_NAMES: Record<Platform, string> = {
  demo: 'Demo',
  telegram: 'Telegram',
  slack: 'Slack',
  discord: 'Discord',
  whatsapp: 'WhatsApp',
  mbox: 'Mailing list',
  git: 'Git',
};

export function platformName(platform: Platform): string {
  return PLATFORM_NAMES[platform];
}

/** Where a group's data came from, as the list and the dashboard name it. */
export function groupOrigin(group: Pick<Group, 'platform' | 'is_demo' | 'is_archive'>): string {
  if (group.is_demo) return 'Generated sample';
  return group.is_archive ? `${platformName(group.platform)} export` : platformName(group.platform);
}

/** Lifecycle stages from the outside in, the order every screen uses. */
export const STAGES: readonly Stage[] = ['observer', 'newcomer', 'participant', 'contributor', 'core'];
export const MEMBER_STATES: readonly MemberState[] = ['active', 'silent', 'churned'];

export function capitalise(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

/** "1 member" / "3 members". */
export function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${formatCount(count)} ${count === 1 ? singular : pluralForm}`;
}

/** The lever sentence: "raising X to target would add N points". */
export function leverSentence(label: string, gain: number): string {
  return `Raising ${lowerFirst(label)} to target would add ${formatPoints(gain)} points`;
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
