import { describe, expect, it } from 'vitest';

import type { MemberRow } from '../api/api';
import { csvField, filterMembers, membersCsv, NO_FILTER, rowWindow, scrollToShow, sortMembers, toCsv } from './table';

function member(id: number, overrides: Partial<MemberRow> = {}): MemberRow {
  return {
    id,
    platform_id: `u${id}`,
    display_name: `Member ${id}`,
    stage: 'participant',
    state: 'active',
    risk: 0.1,
    risk_band: 'low',
    pagerank: 1,
    activity_90: 10,
    active_days_28: 3,
    posts_total: 20,
    last_active_at: 1_790_000_000 + id,
    open_flags: 0,
    ...overrides,
  };
}

describe('rowWindow', () => {
  it('renders only the rows in view plus the overscan, for 50,000 rows', () => {
    const window = rowWindow(44 * 25_000, 440, 44, 50_000, 5);
    expect(window).toEqual({ start: 24_995, end: 25_016, offset: 24_995 * 44, height: 50_000 * 44 });
    expect(window.end - window.start).toBeLessThan(30);
  });

  it('starts at row 0 at the top and clamps at the bottom', () => {
    expect(rowWindow(0, 440, 44, 50_000, 5)).toMatchObject({ start: 0, end: 16, offset: 0 });
    const bottom = rowWindow(10_000_000, 440, 44, 50_000, 5);
    expect(bottom.end).toBe(50_000);
    expect(bottom.start).toBe(50_000 - 10 - 5);
  });

  it('shows every row of a short list and nothing of an empty one', () => {
    expect(rowWindow(0, 440, 44, 3)).toMatchObject({ start: 0, end: 3, height: 132 });
    expect(rowWindow(0, 440, 44, 0)).toEqual({ start: 0, end: 0, offset: 0, height: 0 });
  });

  it('scrolls just enough to show a row', () => {
    expect(scrollToShow(5, 0, 440, 44)).toBe(0);
    expect(scrollToShow(10, 0, 440, 44)).toBe(11 * 44 - 440);
    expect(scrollToShow(2, 400, 440, 44)).toBe(88);
  });
});

describe('filterMembers and sortMembers', () => {
  const rows = [
    member(1, { display_name: 'Ada', stage: 'core', risk: 0.7, risk_band: 'high', open_flags: 2 }),
    member(2, { display_name: 'grace', stage: 'newcomer', state: 'silent', risk: 0.35, risk_band: 'medium', last_active_at: null }),
    member(3, { display_name: 'Linus', stage: 'core', state: 'churned', pagerank: 3.5, activity_90: 0 }),
    member(4, { display_name: 'Ada Lovelace', platform_id: 'lovelace', activity_90: 99 }),
  ];

  it('combines stage, state, risk, flag, text and the members behind a cell', () => {
    expect(filterMembers(rows, { ...NO_FILTER, stage: 'core' }).map((row) => row.id)).toEqual([1, 3]);
    expect(filterMembers(rows, { ...NO_FILTER, stage: 'core', state: 'churned' }).map((row) => row.id)).toEqual([3]);
    expect(filterMembers(rows, { ...NO_FILTER, risk: 'medium' }).map((row) => row.id)).toEqual([2]);
    expect(filterMembers(rows, { ...NO_FILTER, flagged: true }).map((row) => row.id)).toEqual([1]);
    expect(filterMembers(rows, { ...NO_FILTER, text: '  ADA ' }).map((row) => row.id)).toEqual([1, 4]);
    expect(filterMembers(rows, { ...NO_FILTER, text: 'lovelace' }).map((row) => row.id)).toEqual([4]);
    expect(filterMembers(rows, { ...NO_FILTER, only: new Set([2, 3]) }).map((row) => row.id)).toEqual([2, 3]);
    expect(filterMembers(rows, NO_FILTER)).toHaveLength(4);
  });

  it('sorts every column both ways, ties by id, never-seen members oldest', () => {
    expect(sortMembers(rows, 'name', 'asc').map((row) => row.id)).toEqual([1, 4, 2, 3]);
    expect(sortMembers(rows, 'risk', 'desc').map((row) => row.id)).toEqual([1, 2, 3, 4]);
    expect(sortMembers(rows, 'activity', 'desc').map((row) => row.id)).toEqual([4, 1, 2, 3]);
    expect(sortMembers(rows, 'pagerank', 'desc').map((row) => row.id)).toEqual([3, 1, 2, 4]);
    expect(sortMembers(rows, 'stage', 'asc').map((row) => row.id)).toEqual([2, 4, 1, 3]);
    expect(sortMembers(rows, 'state', 'desc').map((row) => row.id)).toEqual([3, 2, 1, 4]);
    expect(sortMembers(rows, 'last_seen', 'asc').map((row) => row.id)).toEqual([2, 1, 3, 4]);
    expect(rows.map((row) => row.id)).toEqual([1, 2, 3, 4]);
  });
});

describe('CSV', () => {
  it('quotes commas, quotes and line breaks and doubles quotes', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a, b')).toBe('"a, b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField(null)).toBe('');
    expect(csvField(0.25)).toBe('0.25');
    expect(csvField(-3)).toBe('-3');
  });

  it('keeps a spreadsheet from running a name as a formula', () => {
    expect(csvField('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvField('+1')).toBe("'+1");
    expect(csvField('@admin')).toBe("'@admin");
  });

  it('writes a header and one CRLF line per member', () => {
    expect(toCsv(['a', 'b'], [[1, 'x,y']])).toBe('a,b\r\n1,"x,y"\r\n');
    const csv = membersCsv([member(7, { display_name: 'Zoë, "the" admin', last_active_at: Date.UTC(2026, 9, 31) / 1000 })]);
    const lines = csv.trimEnd().split('\r\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toBe('id,platform_id,name,stage,state,risk,risk_band,activity_90d,pagerank,active_days_28d,posts,last_seen,open_flags');
    expect(lines[1]).toBe('7,u7,"Zoë, ""the"" admin",participant,active,0.1,low,10,1,3,20,2026-10-31,0');
  });
});
