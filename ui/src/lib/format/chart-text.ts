// The charts the core draws (plotters SVGs: the weekly active members line, the newcomers'
// first minutes and the stage transitions grids) carry their titles, axis names and labels
// in English, as the CLI and the report use them. In another language the window rewrites
// the text of the SVG's <text> elements that it recognises — the core's fixed labels, and
// its titles with their numbers — and leaves numbers and the group's name as they are.
// The SVG is parsed as XML, never inserted into the page, and shown as an image.

import { intlLocale, locale, numberFormat, t } from '../i18n/i18n.svelte';
import type { MessageKey } from '../i18n/messages';
import type { Stage } from '../api/api';
import { stageName } from './format';

const LABELS: Record<string, MessageKey> = {
  'No activity yet': 'chart.no_activity',
  'week (UTC)': 'chart.week_utc',
  'active members': 'chart.active_members',
  'active members per week': 'chart.active_members_per_week',
  'time after joining': 'chart.time_after_joining',
  action: 'chart.action',
  members: 'chart.members',
  'no data': 'chart.no_data',
  message: 'chart.action_message',
  reply: 'chart.action_reply',
  reaction: 'chart.action_reaction',
  leave: 'chart.action_leave',
  'stage after the week': 'chart.stage_after',
  'stage before': 'chart.stage_before',
  new: 'chart.new_members',
};

const STAGES: readonly Stage[] = ['observer', 'newcomer', 'participant', 'contributor', 'core'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** " — group" at the end of a caption: the group's name, kept as the core wrote it. */
let months: { tag: string; format: Intl.DateTimeFormat } | null = null;

/** "Mar 2026" in the window's locale; made once per locale (Intl constructors are slow). */
function monthFormat(): Intl.DateTimeFormat {
  const tag = intlLocale();
  if (months?.tag !== tag) months = { tag, format: new Intl.DateTimeFormat(tag, { year: 'numeric', month: 'short', timeZone: 'UTC' }) };
  return months.format;
}

function withGroup(title: string, group: string | undefined): string {
  return group === undefined ? title : t('chart.title_with_group', { title, group });
}

const PATTERNS: { pattern: RegExp; say: (match: RegExpMatchArray) => string }[] = [
  { pattern: /^Weekly active members(?: — (.*))?$/s, say: (match) => withGroup(t('weekly.title'), match[1]) },
  {
    pattern: /^Newcomers' first minutes \((\d+) joins\)(?: — (.*))?$/s,
    say: (match) => withGroup(t('chart.first_minutes_title', { joins: numberFormat().format(Number(match[1])) }), match[2]),
  },
  {
    pattern: /^Stage transitions, weeks of (\d{4}-\d{2}-\d{2}) to (\d{4}-\d{2}-\d{2})(?: — (.*))?$/s,
    say: (match) => withGroup(t('chart.transitions_title', { from: match[1]!, to: match[2]! }), match[3]),
  },
  { pattern: /^(\d+)–(\d+) s$/, say: (match) => t('chart.seconds_bin', { from: match[1]!, to: match[2]! }) },
  {
    pattern: /^([A-Z][a-z]{2}) (\d{4})$/,
    say: (match) => {
      const month = MONTHS.indexOf(match[1]!);
      if (month < 0) return match[0];
      return monthFormat().format(Date.UTC(Number(match[2]), month, 1));
    },
  },
];

/** One text of a chart in the window's language, or the text unchanged if it is not the core's label. */
export function chartText(text: string): string {
  const label = LABELS[text];
  if (label) return t(label);
  if ((STAGES as readonly string[]).includes(text)) return stageName(text as Stage);
  for (const { pattern, say } of PATTERNS) {
    const match = text.match(pattern);
    if (match) return say(match);
  }
  return text;
}

/** The core's chart SVG with its texts in the window's language (unchanged in English). */
export function localiseChart(svg: string): string {
  if (locale() === 'en' || svg.trim() === '' || typeof DOMParser === 'undefined') return svg;
  const document = new DOMParser().parseFromString(svg, 'image/svg+xml');
  if (document.getElementsByTagName('parsererror').length > 0) return svg;
  let changed = false;
  for (const element of Array.from(document.getElementsByTagName('text'))) {
    const text = (element.textContent ?? '').trim();
    const said = chartText(text);
    if (said !== text) {
      element.textContent = said;
      changed = true;
    }
  }
  return changed ? new XMLSerializer().serializeToString(document) : svg;
}
