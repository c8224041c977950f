import { describe, expect, it } from 'vitest';

import type { GroupSummary, OverviewRow } from '../api/api';
import { lineGeometry, niceStep } from '../charts/line';
import { arrangeOverview, sparklineSegments, type OverviewEntry } from './overview';

function entry(id: number, name: string, row: Partial<OverviewRow> | null): OverviewEntry {
  const summary: GroupSummary = {
    group: { id, platform: 'slack', platform_id: `g${id}`, name, is_archive: true, is_demo: false, last_import_at: null },
    channels: 1,
    members: 10,
    messages: 100,
    reactions: 0,
    first_activity_at: null,
    last_activity_at: null,
  };
  return {
    summary,
    row: row && { summary, as_of_date: '2026-10-31', score: null, change: null, weekly_scores: [], open_warnings: 0, open_flags: 0, ...row },
  };
}

describe('arrangeOverview', () => {
  const entries = [
    entry(1, 'Makers', { score: 70, change: -2, open_warnings: 5 }),
    entry(2, 'alpha', { score: 40, change: 3, open_warnings: 1 }),
    entry(3, 'Zeta', null),
    entry(4, 'Beta', { score: null, change: null, open_warnings: 9 }),
  ];
  const ids = (list: OverviewEntry[]) => list.map((item) => item.summary.group.id);

  it('sorts names A→Z or Z→A, ignoring case', () => {
    expect(ids(arrangeOverview(entries, '', 'name', false))).toEqual([2, 4, 1, 3]);
    expect(ids(arrangeOverview(entries, '', 'name', true))).toEqual([3, 1, 4, 2]);
  });

  it('sorts numbers highest first, rows without the number last', () => {
    expect(ids(arrangeOverview(entries, '', 'score', true))).toEqual([1, 2, 4, 3]);
    expect(ids(arrangeOverview(entries, '', 'score', false))).toEqual([2, 1, 4, 3]);
    expect(ids(arrangeOverview(entries, '', 'change', true))).toEqual([2, 1, 4, 3]);
    expect(ids(arrangeOverview(entries, '', 'warnings', true))).toEqual([4, 1, 2, 3]);
  });

  it('searches names', () => {
    expect(ids(arrangeOverview(entries, ' ETA', 'name', false))).toEqual([4, 3]);
    expect(arrangeOverview(entries, 'nothing', 'name', false)).toEqual([]);
  });
});

describe('sparklineSegments', () => {
  it('maps 0–100 to the box, top is 100', () => {
    expect(sparklineSegments([0, 100], 100, 20, 0)).toEqual(['0.0,20.0 100.0,0.0']);
  });

  it('breaks the line at a missing score', () => {
    expect(sparklineSegments([50, null, 50, 50], 30, 10, 0)).toEqual(['0.0,5.0', '20.0,5.0 30.0,5.0']);
  });
});

describe('lineGeometry', () => {
  it('picks nice steps', () => {
    expect(niceStep(100, 4)).toBe(25);
    expect(niceStep(1234, 4)).toBe(500);
    expect(niceStep(7, 4)).toBe(2);
  });

  it('scales to a fixed maximum and draws one move per run', () => {
    const line = lineGeometry([0, 50, null, 100], 300, 100, 0, 100);
    expect(line.path).toBe('M0.0 100.0 L100.0 50.0 M300.0 0.0');
    expect(line.ticks.map((tick) => tick.value)).toEqual([0, 25, 50, 75, 100]);
  });

  it('rounds an open maximum up to a step', () => {
    const line = lineGeometry([10, 180, 95], 100, 100);
    expect(line.max).toBe(200);
    expect(line.ticks.at(-1)?.value).toBe(200);
  });
});
