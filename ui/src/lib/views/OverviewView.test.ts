import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { afterEach, describe, expect, it } from 'vitest';

import type { GroupSummary, OverviewRow } from '../api/api';
import { mockCommands, resetCommands } from '../api/testing';
import { demoGroup, telegramGroup } from '../../test/fixtures';
import OverviewView from './OverviewView.svelte';

afterEach(() => {
  cleanup();
  resetCommands();
});

function row(summary: GroupSummary, score: number, change: number, warnings: number): OverviewRow {
  return {
    summary,
    as_of_date: '2026-10-31',
    score,
    change,
    weekly_scores: Array.from({ length: 12 }, (_, index) => ({ date: `2026-08-${String(index + 1).padStart(2, '0')}`, score: score - 11 + index })),
    open_warnings: warnings,
    open_flags: 2,
  };
}

describe('OverviewView', () => {
  it('shows each group with score, sparkline, change, warnings and flags; sorts, searches and opens', async () => {
    const opened: number[] = [];
    mockCommands((command, args) => (args?.groupId === 1 ? row(demoGroup, 62.44, 1.26, 3) : row(telegramGroup, 80, -4, 0)));
    render(OverviewView, { props: { groups: [demoGroup, telegramGroup], onopen: (id: number) => opened.push(id), onimport: () => {} } });
    await waitFor(() => expect(screen.getAllByTestId('overview-score')).toHaveLength(2));
    const names = () => screen.getAllByTestId('overview-name').map((name) => name.textContent);
    expect(names()).toEqual(['<img src=x onerror=alert(1)> Rust 🦀', 'Hearth Makers (demo)']);
    expect(document.querySelector('img[src="x"]')).toBeNull();
    expect(screen.getAllByTestId('overview-change').map((cell) => cell.textContent)).toEqual(['-4.0', '+1.3']);
    expect(screen.getAllByTestId('overview-sparkline')[0]!.getAttribute('data-points')).toBe('12');
    expect(screen.getAllByTestId('overview-live')).toHaveLength(1);
    expect(screen.getAllByTestId('overview-archive')).toHaveLength(1);

    await fireEvent.click(screen.getByTestId('overview-sort-warnings'));
    expect(names()[0]).toBe('Hearth Makers (demo)');
    await fireEvent.click(screen.getByTestId('overview-sort-score'));
    expect(screen.getAllByTestId('overview-score').map((cell) => cell.textContent)).toEqual(['80.0', '62.4']);

    await fireEvent.input(screen.getByTestId('overview-search'), { target: { value: 'makers' } });
    expect(names()).toEqual(['Hearth Makers (demo)']);
    await fireEvent.keyDown(screen.getByTestId('overview-row'), { key: 'Enter' });
    expect(opened).toEqual([1]);
  });

  it('leads to the Import screen when there is no group', async () => {
    let asked = false;
    mockCommands(() => null);
    render(OverviewView, { props: { groups: [], onopen: () => {}, onimport: () => (asked = true) } });
    const empty = await screen.findByTestId('overview-empty');
    await fireEvent.click(empty.querySelector('button')!);
    expect(asked).toBe(true);
  });
});
