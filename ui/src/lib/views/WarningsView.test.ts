import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { afterEach, describe, expect, it } from 'vitest';

import type { WarningItem } from '../api/api';
import { mockCommands, resetCommands } from '../api/testing';
import WarningsView from './WarningsView.svelte';

afterEach(() => {
  cleanup();
  resetCommands();
});

function item(memberId: number, severity: 'high' | 'medium' | 'low', risk: number): WarningItem {
  return {
    display_name: `Member ${memberId}`,
    risk,
    action: null,
    warning: {
      member_id: memberId,
      stage: 'contributor',
      state: 'silent',
      severity,
      level: null,
      reasons: [{ code: 'silent_long', severity, level: null, evidence: [{ name: 'silence_days', value: 12.5 }], message_ids: [] }],
      playbook: 'wake_silent_members',
    },
  };
}

/** What the core answers: the first `perSeverity` of each severity, most at risk first, and the totals. */
function page(warnings: WarningItem[], hidden: number, args: Record<string, unknown> | undefined) {
  const per = Number(args?.perSeverity);
  const totals = { high: 0, medium: 0, low: 0 };
  const kept: WarningItem[] = [];
  for (const severity of ['high', 'medium', 'low'] as const) {
    const of = warnings.filter((candidate) => candidate.warning.severity === severity).sort((a, b) => b.risk - a.risk || a.warning.member_id - b.warning.member_id);
    totals[severity] = of.length;
    kept.push(...of.slice(0, per));
  }
  return { list: { as_of_date: '2026-11-20', warnings: kept, hidden }, totals };
}

describe('WarningsView', () => {
  it('shows the warnings grouped by severity while the backtest is still running', async () => {
    mockCommands((command, args) => {
      if (command === 'churn_warnings') return page([item(1, 'low', 0.2), item(2, 'high', 0.8), item(3, 'medium', 0.5)], 2, args);
      if (command === 'churn_backtest') return new Promise(() => {});
    });
    render(WarningsView, { groupId: 1 });
    await waitFor(() => expect(screen.getAllByTestId('warning')).toHaveLength(3));
    const order = screen.getAllByTestId(/^severity-/).map((group) => group.getAttribute('data-testid'));
    expect(order).toEqual(['severity-high', 'severity-medium', 'severity-low']);
    expect(screen.getByTestId('severity-high').textContent).toContain('Member 2');
    expect(screen.getAllByTestId('warning-reason')[0]!.textContent).toMatch(/Silent for more than a week.*Days silent.*12\.5/s);
    expect(screen.getByTestId('warnings-hidden').textContent).toContain('2 snoozed or handled warnings are hidden');
    expect(screen.getByTestId('backtest-loading')).toBeTruthy();
  });

  it('draws a large group 20 cards at a time per severity, with the count left', async () => {
    const warnings = [...Array.from({ length: 50 }, (_, index) => item(index + 1, 'medium', 0.5)), item(500, 'high', 0.9)];
    mockCommands((command, args) => {
      if (command === 'churn_warnings') return page(warnings, 0, args);
      if (command === 'churn_backtest') return new Promise(() => {});
    });
    render(WarningsView, { groupId: 1 });
    await waitFor(() => expect(screen.getAllByTestId('warning')).toHaveLength(21));
    expect(screen.queryByTestId('warnings-more-high')).toBeNull();
    const more = screen.getByTestId('warnings-more-medium');
    expect(more.textContent).toContain('Show 20 more (30 not shown)');
    await fireEvent.click(more);
    await waitFor(() => expect(screen.getAllByTestId('warning')).toHaveLength(41));
    expect(screen.getByTestId('warnings-more-medium').textContent).toContain('Show 10 more (10 not shown)');
    await fireEvent.click(screen.getByTestId('warnings-more-medium'));
    await waitFor(() => expect(screen.getAllByTestId('warning')).toHaveLength(51));
    expect(screen.queryByTestId('warnings-more-medium')).toBeNull();
    expect(screen.getByTestId('severity-medium').textContent).toContain('50');
  });
});
