// The overview's logic apart from its component: sorting and searching the group rows,
// and the sparkline's geometry (drawn in the window from the core's weekly scores).

import type { GroupSummary, OverviewRow } from '../api/api';

export type OverviewSort = 'name' | 'score' | 'change' | 'warnings';

/** A group with its computed row once it has arrived (`null` while it is computed). */
export interface OverviewEntry {
  summary: GroupSummary;
  row: OverviewRow | null;
}

const collator = new Intl.Collator(undefined, { sensitivity: 'base', numeric: true });

function numberKey(entry: OverviewEntry, key: OverviewSort): number | null {
  const row = entry.row;
  if (!row) return null;
  if (key === 'score') return row.score;
  if (key === 'change') return row.change;
  return row.open_warnings;
}

/**
 * Entries whose name contains `search` (any case), sorted: names A→Z, numbers highest
 * first (or the reverse with `ascending` flipped). Rows without the number (still loading,
 * no score) always come last; ties by name.
 */
export function arrangeOverview(entries: readonly OverviewEntry[], search: string, key: OverviewSort, descending: boolean): OverviewEntry[] {
  const needle = search.trim().toLocaleLowerCase();
  const shown = entries.filter((entry) => needle === '' || entry.summary.group.name.toLocaleLowerCase().includes(needle));
  const byName = (a: OverviewEntry, b: OverviewEntry) => collator.compare(a.summary.group.name, b.summary.group.name) || a.summary.group.id - b.summary.group.id;
  return shown.sort((a, b) => {
    if (key === 'name') return (descending ? -1 : 1) * byName(a, b);
    const [left, right] = [numberKey(a, key), numberKey(b, key)];
    if (left === null || right === null) return left === right ? byName(a, b) : left === null ? 1 : -1;
    return (descending ? right - left : left - right) || byName(a, b);
  });
}

/**
 * The sparkline's polyline points ("x,y x,y …") in a `width` × `height` box for scores on
 * 0–100; a missing score breaks the line into separate segments.
 */
export function sparklineSegments(scores: readonly (number | null)[], width: number, height: number, pad = 2): string[] {
  const step = scores.length > 1 ? (width - 2 * pad) / (scores.length - 1) : 0;
  const y = (score: number) => pad + (1 - Math.min(100, Math.max(0, score)) / 100) * (height - 2 * pad);
  const segments: string[] = [];
  let current: string[] = [];
  scores.forEach((score, index) => {
    if (score === null) {
      if (current.length > 0) segments.push(current.join(' '));
      current = [];
      return;
    }
    const x = scores.length > 1 ? pad + index * step : width / 2;
    current.push(`${x.toFixed(1)},${y(score).toFixed(1)}`);
  });
  if (current.length > 0) segments.push(current.join(' '));
  return segments;
}
