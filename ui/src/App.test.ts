import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { afterEach, describe, expect, it } from 'vitest';

import App from './App.svelte';
import { setLocale } from './lib/i18n';
import { DEMO_PROGRESS_EVENT, type GroupSummary } from './lib/api/api';
import { emitEvent, mockCommands, resetCommands } from './lib/api/testing';
import { demoDashboard, demoGroup, telegramGroup } from './test/fixtures';

afterEach(() => {
  cleanup();
  resetCommands();
});

/** The window starts on the groups overview; a group in the sidebar opens its dashboard. */
async function openGroupFromSidebar(index = 0): Promise<void> {
  await screen.findByTestId('overview');
  await fireEvent.click((await screen.findAllByTestId('group-item'))[index]!);
}

describe('App', () => {
  it('creates the demo on an empty store, showing progress, then opens its dashboard', async () => {
    let groups: GroupSummary[] = [];
    // The demo stays "in progress" until the test has looked at the progress screen.
    let releaseDemo: () => void = () => {};
    const demoReleased = new Promise<void>((resolve) => (releaseDemo = resolve));
    mockCommands(
      async (command) => {
        switch (command) {
          case 'list_groups':
            return groups;
          case 'ensure_demo':
            await emitEvent(DEMO_PROGRESS_EVENT, { step: 'Writing messages', done: 250, total: 1000 });
            await demoReleased;
            groups = [demoGroup];
            return { group: demoGroup.group };
          case 'dashboard':
            return demoDashboard;
        }
      },
      { events: true },
    );
    render(App);

    expect(await screen.findByText('Preparing the demo community…')).toBeTruthy();
    await waitFor(() => expect(screen.getByTestId('progress-step').textContent).toContain('Writing messages — 250 of 1,000 (25%)'));
    const bar = document.querySelector('progress');
    expect(bar?.getAttribute('value')).toBe('250');

    releaseDemo();
    await openGroupFromSidebar();
    expect((await screen.findByTestId('health-score')).textContent).toBe('62.4');
    expect(screen.getByTestId('demo-badge').textContent).toBe('Demo');
    expect(screen.getByTestId('demo-label').textContent).toContain('Demo community — generated data');
    expect(screen.getByTestId('biggest-lever').textContent).toBe('Raising 7-day retention to target would add 10.9 points.');
    expect(screen.getByTestId('missing-metrics').textContent).toContain('Newcomer week-2 retention');
    expect(screen.getAllByTestId('metric-row')).toHaveLength(3);
    const chart = screen.getByTestId('weekly-active-chart') as HTMLImageElement;
    expect(chart.src.startsWith('data:image/svg+xml;base64,')).toBe(true);
  });

  it('shows a store upgrade with its progress while the store opens, then the groups', async () => {
    let upgrade: { step: string; items: number; done: number; total: number; unit: string } | null = null;
    let releaseStore: () => void = () => {};
    const storeOpen = new Promise<void>((resolve) => (releaseStore = resolve));
    mockCommands(async (command) => {
      switch (command) {
        case 'store_upgrade':
          return upgrade;
        case 'list_groups':
          await storeOpen;
          return [demoGroup];
        case 'dashboard':
          return demoDashboard;
      }
    });
    render(App);
    expect(await screen.findByText('Opening the store…')).toBeTruthy();
    upgrade = { step: 'Upgrading the store', items: 412000, done: 412000, total: 1165782, unit: 'items' };
    expect(await screen.findByText('Upgrading your store…')).toBeTruthy();
    await waitFor(() => expect(screen.getByTestId('progress-step').textContent).toBe('Messages, reactions and joins: 412,000 of 1,165,782 (35%)'));
    expect(screen.getByTestId('store-upgrade').textContent).toContain('Nothing is lost');

    upgrade = null;
    releaseStore();
    expect(await screen.findByTestId('overview')).toBeTruthy();
    expect(screen.queryByTestId('store-upgrade')).toBeNull();
  });

  it('renders community text as text, never as markup', async () => {
    mockCommands((command) => {
      if (command === 'list_groups') return [demoGroup, telegramGroup];
      if (command === 'dashboard') return demoDashboard;
    });
    render(App);
    const names = await screen.findAllByTestId('group-name');
    expect(names.map((name) => name.textContent)).toContain('<img src=x onerror=alert(1)> Rust 🦀');
    expect(document.querySelector('img[src="x"]')).toBeNull();
    expect(screen.getAllByTestId('demo-badge')).toHaveLength(1);
  });

  it('shows the error and what to do, and tries again on request', async () => {
    let fail = true;
    mockCommands((command) => {
      if (command === 'list_groups') {
        if (fail) throw { code: 'store_too_new', message: 'the store x.sqlite was written by a newer Hearth' };
        return [demoGroup];
      }
      if (command === 'dashboard') return demoDashboard;
    });
    render(App);
    const notice = await screen.findByTestId('start-error');
    expect(notice.textContent).toContain('the store x.sqlite was written by a newer Hearth');
    expect(notice.textContent).toContain('Update Hearth');

    fail = false;
    await fireEvent.click(screen.getByTestId('retry'));
    await openGroupFromSidebar();
    expect((await screen.findByTestId('health-score')).textContent).toBe('62.4');
  });

  it('shows an empty state that leads to the Import screen when the store still has no group', async () => {
    mockCommands((command) => (command === 'list_groups' ? [] : command === 'import_formats' ? ['telegram'] : null), { events: true });
    render(App);
    expect((await screen.findByTestId('empty-state')).textContent).toContain('Import an export');
    await fireEvent.click(screen.getByTestId('empty-import'));
    expect(await screen.findByTestId('import-view')).toBeTruthy();
  });

  it('opens the Import screen from the sidebar and, after an import, the new group’s dashboard', async () => {
    let groups: GroupSummary[] = [demoGroup];
    mockCommands(
      (command, args) => {
        switch (command) {
          case 'list_groups':
            return groups;
          case 'import_formats':
            return ['telegram'];
          case 'detect_format':
            return 'telegram';
          case 'import_archive':
            groups = [demoGroup, telegramGroup];
            return {
              format: 'telegram',
              groups: [telegramGroup.group],
              channels: 1,
              members: 1,
              messages: 3,
              reactions: 0,
              joins: 0,
              leaves: 0,
              duplicates: 0,
              updated: 0,
              skipped: [],
            };
          case 'dashboard':
            return { ...demoDashboard, summary: { ...demoDashboard.summary, group: { ...telegramGroup.group, id: args?.groupId as number } } };
        }
      },
      { events: true },
    );
    render(App);
    await fireEvent.click(await screen.findByTestId('import-action'));
    const input = (await screen.findByTestId('import-path')) as HTMLInputElement;
    await fireEvent.input(input, { target: { value: '/result.json' } });
    await fireEvent.click(screen.getByTestId('import-start'));
    await screen.findByTestId('import-summary');
    // The sidebar lists the new group as soon as the import finished.
    await waitFor(() => expect(screen.getAllByTestId('group-item')).toHaveLength(2));
    await fireEvent.click(screen.getByTestId('open-dashboard'));
    await waitFor(() => expect(screen.queryByTestId('import-view')).toBeNull());
    const current = document.querySelector('[data-testid="group-item"][aria-current="page"]');
    expect(current?.getAttribute('data-group-id')).toBe(String(telegramGroup.group.id));
  });
});

describe('App language', () => {
  afterEach(() => setLocale('en'));

  it('switches every visible string to Simplified Chinese without a reload', async () => {
    mockCommands((command) => {
      if (command === 'list_groups') return [demoGroup];
      if (command === 'dashboard') return demoDashboard;
    });
    render(App);
    await openGroupFromSidebar();
    expect((await screen.findByTestId('health-score')).textContent).toBe('62.4');
    const select = screen.getByTestId('language') as HTMLSelectElement;
    select.value = 'zh-CN';
    await fireEvent.change(select);
    expect(await screen.findByText('健康分')).toBeTruthy();
    expect(screen.getByTestId('biggest-lever').textContent).toBe('把7 日留存率提高到目标值可增加 10.9 分。');
    expect(screen.getByTestId('demo-badge').textContent).toBe('演示');
    expect(screen.queryByText('Health score')).toBeNull();
  });
});
