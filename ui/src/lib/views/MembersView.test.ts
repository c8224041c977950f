import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { afterEach, describe, expect, it } from 'vitest';

import type { MemberRow, MembersTable, MemberState, Stage } from '../api/api';
import { mockCommands, resetCommands } from '../api/testing';
import { NO_FILTER, type MemberFilter } from '../members/table';
import { demoGroup } from '../../test/fixtures';
import MembersView from './MembersView.svelte';

afterEach(() => {
  cleanup();
  resetCommands();
});

const STAGES: Stage[] = ['observer', 'newcomer', 'participant', 'contributor', 'core'];
const STATES: MemberState[] = ['active', 'silent', 'churned'];

function rows(count: number): MemberRow[] {
  return Array.from({ length: count }, (_, index) => {
    const risk = (index % 100) / 100;
    return {
      id: index + 1,
      platform_id: `u${index + 1}`,
      display_name: index === 7 ? '<b>Bold</b> "quoted", name' : `Member ${String(index + 1).padStart(5, '0')}`,
      stage: STAGES[index % 5]!,
      state: STATES[index % 3]!,
      risk,
      risk_band: risk >= 0.6 ? 'high' : risk >= 0.3 ? 'medium' : 'low',
      pagerank: (index % 17) / 4,
      activity_90: index % 50,
      active_days_28: index % 28,
      posts_total: index,
      last_active_at: 1_790_000_000 + index,
      open_flags: index % 97 === 0 ? 1 : 0,
    };
  });
}

function table(count: number): MembersTable {
  return { group: demoGroup.group, as_of_date: '2026-10-31', members: rows(count) };
}

function renderMembers(count: number, filter: MemberFilter = { ...NO_FILTER }) {
  const opened: number[] = [];
  mockCommands((command) => (command === 'members_table' ? table(count) : null));
  render(MembersView, { props: { groupId: 1, filter, onlyLabel: null, onopen: (id: number) => opened.push(id) } });
  return opened;
}

const shown = () => Number(screen.getByTestId('members-count').dataset.shown);

describe('MembersView', () => {
  it('keeps only a window of 50,000 members in the DOM', async () => {
    renderMembers(50_000);
    await screen.findByTestId('members');
    expect(shown()).toBe(50_000);
    const rendered = screen.getAllByTestId('member-row');
    expect(rendered.length).toBeGreaterThan(0);
    expect(rendered.length).toBeLessThan(40);
  });

  it('filters by stage, state, risk, open flag and text, and clears them', async () => {
    renderMembers(1_000);
    await screen.findByTestId('members');
    await fireEvent.change(screen.getByTestId('filter-stage'), { target: { value: 'core' } });
    await waitFor(() => expect(shown()).toBe(200));
    await fireEvent.change(screen.getByTestId('filter-state'), { target: { value: 'silent' } });
    // index % 5 === 4 and index % 3 === 1: one in fifteen.
    await waitFor(() => expect(shown()).toBe(67));
    await fireEvent.change(screen.getByTestId('filter-risk'), { target: { value: 'high' } });
    expect(screen.getAllByTestId('member-row').every((row) => row.textContent?.includes('High'))).toBe(true);
    await fireEvent.click(screen.getByTestId('filter-clear'));
    await waitFor(() => expect(shown()).toBe(1_000));
    await fireEvent.click(screen.getByTestId('filter-flagged'));
    await waitFor(() => expect(shown()).toBe(11));
    await fireEvent.click(screen.getByTestId('filter-flagged'));
    await fireEvent.input(screen.getByTestId('members-search'), { target: { value: 'member 0099' } });
    await waitFor(() => expect(shown()).toBe(10));
  });

  it('shows the members behind a dashboard cell', async () => {
    renderMembers(1_000, { ...NO_FILTER, only: new Set([3, 5, 900]) });
    await screen.findByTestId('members');
    expect(shown()).toBe(3);
    expect(screen.getByTestId('filter-only')).toBeTruthy();
  });

  it('sorts by a column, both ways', async () => {
    renderMembers(1_000);
    await screen.findByTestId('members');
    const firstId = () => Number(screen.getAllByTestId('member-row')[0]!.dataset.memberId);
    // Risk, highest first, is the default: 0.99 first (index 99, id 100).
    expect(firstId()).toBe(100);
    await fireEvent.click(screen.getByTestId('sort-pagerank'));
    expect(firstId()).toBe(17);
    await fireEvent.click(screen.getByTestId('sort-name'));
    expect(screen.getAllByTestId('member-name')[0]!.textContent).toBe('<b>Bold</b> "quoted", name');
    await fireEvent.click(screen.getByTestId('sort-name'));
    expect(screen.getAllByTestId('member-name')[0]!.textContent).toBe('Member 01000');
    expect(document.querySelector('b')).toBeNull();
  });

  it('moves with the arrow keys and opens a profile with Enter', async () => {
    const opened = renderMembers(1_000);
    await screen.findByTestId('members');
    const grid = screen.getByTestId('members-grid');
    await fireEvent.keyDown(grid, { key: 'ArrowDown' });
    await fireEvent.keyDown(grid, { key: 'ArrowDown' });
    await fireEvent.keyDown(grid, { key: 'Enter' });
    const order = [...rows(1_000)].sort((a, b) => b.risk - a.risk || a.id - b.id);
    expect(opened).toEqual([order[2]!.id]);
  });

  it('says what to do when the members cannot be loaded', async () => {
    mockCommands(() => {
      throw { code: 'store', message: 'the store is locked' };
    });
    render(MembersView, { props: { groupId: 1, filter: { ...NO_FILTER }, onlyLabel: null, onopen: () => {} } });
    expect((await screen.findByTestId('members-error')).textContent).toContain('the store is locked');
  });
});
