// The members table's logic, apart from any component so that it can be tested: which rows
// a scrolled window shows (the virtualisation), filtering, sorting, and the CSV of a view.

import type { MemberRow, MemberState, RiskBand, Stage } from '../api/api';

/** The rows a fixed-row-height list puts in the DOM for a scroll position. */
export interface RowWindow {
  /** First row index rendered (inclusive). */
  start: number;
  /** Row index after the last one rendered (exclusive). */
  end: number;
  /** Pixels above the first rendered row: where it is placed. */
  offset: number;
  /** Height of the whole list, so the scrollbar is right. */
  height: number;
}

/**
 * The window of rows to render: the rows visible in `viewport` pixels from `scrollTop`,
 * with `overscan` more on each side so that fast scrolling does not show gaps.
 */
export function rowWindow(scrollTop: number, viewport: number, rowHeight: number, total: number, overscan = 6): RowWindow {
  const height = total * rowHeight;
  if (total === 0 || rowHeight <= 0) return { start: 0, end: 0, offset: 0, height };
  const top = Math.min(Math.max(0, scrollTop), Math.max(0, height - viewport));
  const first = Math.floor(top / rowHeight);
  const visible = Math.ceil(Math.max(viewport, rowHeight) / rowHeight) + 1;
  const start = Math.max(0, first - overscan);
  const end = Math.min(total, first + visible + overscan);
  return { start, end, offset: start * rowHeight, height };
}

/** The scroll position that brings row `index` into view (unchanged when it already is). */
export function scrollToShow(index: number, scrollTop: number, viewport: number, rowHeight: number): number {
  const top = index * rowHeight;
  const bottom = top + rowHeight;
  if (top < scrollTop) return top;
  if (bottom > scrollTop + viewport) return bottom - viewport;
  return scrollTop;
}

export interface MemberFilter {
  stage: Stage | null;
  state: MemberState | null;
  risk: RiskBand | null;
  /** Only members with an open review flag. */
  flagged: boolean;
  /** Part of the display name or platform id, any case. */
  text: string;
  /** Only these members (the members behind a dashboard cell), or all. */
  only: ReadonlySet<number> | null;
}

export const NO_FILTER: MemberFilter = { stage: null, state: null, risk: null, flagged: false, text: '', only: null };

export function filterMembers(rows: readonly MemberRow[], filter: MemberFilter): MemberRow[] {
  const needle = filter.text.trim().toLocaleLowerCase();
  return rows.filter(
    (row) =>
      (filter.stage === null || row.stage === filter.stage) &&
      (filter.state === null || row.state === filter.state) &&
      (filter.risk === null || row.risk_band === filter.risk) &&
      (!filter.flagged || row.open_flags > 0) &&
      (filter.only === null || filter.only.has(row.id)) &&
      (needle === '' || row.display_name.toLocaleLowerCase().includes(needle) || row.platform_id.toLocaleLowerCase().includes(needle)),
  );
}

export type SortKey = 'name' | 'stage' | 'state' | 'risk' | 'activity' | 'pagerank' | 'last_seen';
export type SortDirection = 'asc' | 'desc';

const STAGE_ORDER: Record<Stage, number> = { observer: 0, newcomer: 1, participant: 2, contributor: 3, core: 4 };
const STATE_ORDER: Record<MemberState, number> = { active: 0, silent: 1, churned: 2 };

const collator = new Intl.Collator(undefined, { sensitivity: 'base', numeric: true });

function compareBy(key: SortKey, a: MemberRow, b: MemberRow): number {
  switch (key) {
    case 'name':
      return collator.compare(a.display_name, b.display_name);
    case 'stage':
      return STAGE_ORDER[a.stage] - STAGE_ORDER[b.stage];
    case 'state':
      return STATE_ORDER[a.state] - STATE_ORDER[b.state];
    case 'risk':
      return a.risk - b.risk;
    case 'activity':
      return a.activity_90 - b.activity_90;
    case 'pagerank':
      return a.pagerank - b.pagerank;
    case 'last_seen':
      // Never seen sorts as the oldest.
      return (a.last_active_at ?? -Infinity) - (b.last_active_at ?? -Infinity);
  }
}

/** A sorted copy; ties keep a stable order by member id, whatever the direction. */
export function sortMembers(rows: readonly MemberRow[], key: SortKey, direction: SortDirection): MemberRow[] {
  const sign = direction === 'asc' ? 1 : -1;
  return [...rows].sort((a, b) => sign * compareBy(key, a, b) || a.id - b.id);
}

/** The direction a column sorts in when first clicked: names A→Z, numbers highest first. */
export function firstDirection(key: SortKey): SortDirection {
  return key === 'name' ? 'asc' : 'desc';
}

/**
 * One CSV field (RFC 4180): quoted when it holds a comma, quote, or line break, quotes
 * doubled. A text starting with = + - @ or a tab is prefixed with ' so that a spreadsheet
 * does not run a stranger's display name as a formula.
 */
export function csvField(value: string | number | null): string {
  if (value === null) return '';
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** A CSV document: a header line, then one line per row, CRLF line ends. */
export function toCsv(header: readonly string[], rows: readonly (readonly (string | number | null)[])[]): string {
  return [header, ...rows].map((fields) => fields.map(csvField).join(',')).join('\r\n') + '\r\n';
}

/** ISO date (UTC) of an instant, for CSV files: machine-readable in every locale. */
export function isoDate(at: number | null): string | null {
  return at === null ? null : new Date(at * 1000).toISOString().slice(0, 10);
}

/** The members CSV: fixed English column names (a file for tools), values as the core has them. */
export function membersCsv(rows: readonly MemberRow[]): string {
  const header = ['id', 'platform_id', 'name', 'stage', 'state', 'risk', 'risk_band', 'activity_90d', 'pagerank', 'active_days_28d', 'posts', 'last_seen', 'open_flags'];
  return toCsv(
    header,
    rows.map((row) => [
      row.id,
      row.platform_id,
      row.display_name,
      row.stage,
      row.state,
      row.risk,
      row.risk_band,
      row.activity_90,
      row.pagerank,
      row.active_days_28,
      row.posts_total,
      isoDate(row.last_active_at),
      row.open_flags,
    ]),
  );
}
