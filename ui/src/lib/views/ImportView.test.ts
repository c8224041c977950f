import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { afterEach, describe, expect, it } from 'vitest';

import { IMPORT_PROGRESS_EVENT, INDEX_PROGRESS_EVENT, type ImportSummary, type Progress } from '../api/api';
import { dropPaths, emitEvent, mockCommands, resetCommands } from '../api/testing';
import ImportView from './ImportView.svelte';

afterEach(() => {
  cleanup();
  resetCommands();
});

const FORMATS = ['discord', 'git', 'mbox', 'slack', 'telegram', 'whatsapp'];

const summary: ImportSummary = {
  format: 'telegram',
  groups: [{ id: 9, platform: 'telegram', platform_id: '77', name: '<b>Rust</b> 🦀', is_archive: true, is_demo: false, last_import_at: 1 }],
  channels: 1,
  members: 12,
  messages: 3456,
  reactions: 78,
  joins: 4,
  leaves: 1,
  duplicates: 0,
  updated: 0,
  skipped: [{ reason: 'service message without member activity (pin_message)', count: 3, code: 'service_without_activity', detail: 'pin_message' }],
  timezone_assumed: null,
  indexes_to_build: 0,
};

function progress(done: number, items: number): Progress {
  return { step: 'Reading messages', items, done, total: 10_000_000, unit: 'bytes' };
}

type Handler = (command: string, args: Record<string, unknown> | undefined) => unknown;

function setup(handler: Handler, clock: { now: number } = { now: 0 }) {
  const calls: { command: string; args: Record<string, unknown> | undefined }[] = [];
  const opened: number[] = [];
  let imported = 0;
  mockCommands(
    (command, args) => {
      calls.push({ command, args });
      if (command === 'import_formats') return FORMATS;
      return handler(command, args);
    },
    { events: true },
  );
  render(ImportView, { onopen: (id: number) => opened.push(id), onimported: () => (imported += 1), now: () => clock.now });
  return { calls, opened, imported: () => imported };
}

async function typePath(path: string): Promise<void> {
  const input = screen.getByTestId('import-path') as HTMLInputElement;
  await fireEvent.input(input, { target: { value: path } });
  await fireEvent.change(input);
}

describe('ImportView', () => {
  it('detects the format of a typed path, lists the core formats, imports with live progress and ends on the summary', async () => {
    const clock = { now: 0 };
    let finish: () => void = () => {};
    const finished = new Promise<void>((resolve) => (finish = resolve));
    const { calls, opened, imported } = setup(async (command) => {
      if (command === 'detect_format') return 'telegram';
      if (command === 'import_archive') {
        clock.now = 1_000;
        await emitEvent(IMPORT_PROGRESS_EVENT, progress(1_000_000, 300));
        clock.now = 3_000;
        await emitEvent(IMPORT_PROGRESS_EVENT, progress(3_000_000, 900));
        await finished;
        return summary;
      }
    }, clock);

    await waitFor(() => expect(screen.getAllByRole('option')).toHaveLength(FORMATS.length + 1));
    await typePath('  /exports/result.json ');
    expect((await screen.findByTestId('detected-format')).textContent).toBe('Detected: Telegram Desktop');
    expect(calls.find((call) => call.command === 'detect_format')?.args).toEqual({ path: '/exports/result.json' });

    await fireEvent.click(screen.getByTestId('import-start'));
    await waitFor(() => expect(screen.getByTestId('import-amount').textContent).toBe('3.0 MB of 10.0 MB'));
    expect(screen.getByTestId('import-items').textContent).toBe('900 items read');
    // 2 MB and 600 items in 2 s; 7 MB left at 1 MB/s.
    expect(screen.getByTestId('import-rate').textContent).toBe('1.0 MB/s · 300 items/s');
    expect(screen.getByTestId('import-time-left').textContent).toBe('about 7 s left');
    expect(document.querySelector('progress')?.getAttribute('value')).toBe('3000000');

    finish();
    expect(await screen.findByTestId('import-summary')).toBeTruthy();
    const call = calls.find((entry) => entry.command === 'import_archive');
    expect(call?.args).toEqual({ path: '/exports/result.json', format: null, dateOrder: null });
    expect(screen.getByTestId('count-messages-value').textContent).toBe('3,456');
    expect(screen.getByTestId('count-members-value').textContent).toBe('12');
    expect(screen.getByTestId('count-reactions-value').textContent).toBe('78');
    expect(screen.getByTestId('count-groups-value').textContent).toBe('1');
    expect(screen.getByTestId('skipped-item').textContent).toMatch(/3\s+Service messages without member activity \(pin_message\)/);
    expect(screen.getByTestId('import-group-name').textContent).toBe('<b>Rust</b> 🦀');
    expect(document.querySelector('b')).toBeNull();
    expect(imported()).toBe(1);

    await fireEvent.click(screen.getByTestId('open-dashboard'));
    expect(opened).toEqual([9]);
  });

  it('ends a large import on its summary at the commit and follows the indexes built after it', async () => {
    const building = (done: number): Progress => ({ step: 'Building the archive and profile indexes', items: done, done, total: 3, unit: 'items' });
    let status: Progress | null = building(0);
    setup((command) => {
      if (command === 'detect_format') return 'telegram';
      if (command === 'import_archive') return { ...summary, indexes_to_build: 3 };
      if (command === 'index_build') return status;
    });
    await typePath('/exports/large.json');
    await fireEvent.click(screen.getByTestId('import-start'));
    expect(await screen.findByTestId('import-summary')).toBeTruthy();
    await waitFor(() => expect(screen.getByTestId('summary-index-status').textContent).toContain('Building the archive and profile indexes (0 of 3)'));
    const line = screen.getByTestId('summary-index-status');
    expect(line.getAttribute('data-state')).toBe('building');
    expect(line.textContent).toContain('closing Hearth meanwhile loses nothing');
    status = building(2);
    await emitEvent(INDEX_PROGRESS_EVENT, building(2));
    await waitFor(() => expect(screen.getByTestId('summary-index-status').textContent).toContain('(2 of 3)'));
    status = null;
    await emitEvent(INDEX_PROGRESS_EVENT, building(3));
    await waitFor(() => expect(screen.getByTestId('summary-index-status').getAttribute('data-state')).toBe('built'));
    expect(screen.getByTestId('summary-index-status').textContent).toContain('Every index is built');
  });

  it('says nothing of indexes after an import that left none to build', async () => {
    setup((command) => {
      if (command === 'detect_format') return 'telegram';
      if (command === 'import_archive') return summary;
      if (command === 'index_build') return null;
    });
    await typePath('/exports/result.json');
    await fireEvent.click(screen.getByTestId('import-start'));
    expect(await screen.findByTestId('import-summary')).toBeTruthy();
    expect(screen.queryByTestId('summary-index-status')).toBeNull();
  });

  it('says time left is unknown when the total is not known', async () => {
    const clock = { now: 0 };
    setup(async (command) => {
      if (command === 'detect_format') return 'git';
      if (command === 'import_archive') {
        await emitEvent(IMPORT_PROGRESS_EVENT, { step: 'Reading', items: 10, done: 10, total: null, unit: 'items' });
        clock.now = 2_000;
        await emitEvent(IMPORT_PROGRESS_EVENT, { step: 'Reading', items: 50, done: 50, total: null, unit: 'items' });
        return new Promise(() => {});
      }
    }, clock);
    await typePath('/repo');
    await fireEvent.click(screen.getByTestId('import-start'));
    await waitFor(() => expect(screen.getByTestId('import-rate').textContent).toBe('20 items/s'));
    expect(screen.getByTestId('import-time-left').textContent).toBe('time left unknown');
  });

  it('cancels a running import and says the store is unchanged', async () => {
    let rejectImport: (error: unknown) => void = () => {};
    const { calls } = setup((command) => {
      if (command === 'detect_format') return 'discord';
      if (command === 'import_archive') return new Promise((_, reject) => (rejectImport = reject));
      if (command === 'cancel_import') {
        rejectImport({ code: 'cancelled', message: 'the import of /big.json was cancelled; the store is unchanged' });
        return true;
      }
    });
    await typePath('/big.json');
    await fireEvent.click(screen.getByTestId('import-start'));
    await fireEvent.click(await screen.findByTestId('import-cancel'));
    const notice = await screen.findByTestId('import-cancelled');
    expect(notice.textContent).toContain('the store is exactly as it was before');
    expect(calls.some((call) => call.command === 'cancel_import')).toBe(true);
    await fireEvent.click(screen.getByTestId('import-again'));
    expect((screen.getByTestId('import-path') as HTMLInputElement).value).toBe('/big.json');
  });

  it('asks for the date order when the core needs it and sends the answer', async () => {
    const requests: unknown[] = [];
    setup((command, args) => {
      if (command === 'detect_format') return 'whatsapp';
      if (command === 'import_archive') {
        requests.push(args);
        if (args?.dateOrder === null) throw { code: 'needs_date_order', message: 'chat.txt: no date says whether 3/4 is day/month' };
        return summary;
      }
    });
    await typePath('/chat.txt');
    expect(screen.queryByTestId('date-order')).toBeNull();
    await fireEvent.click(screen.getByTestId('import-start'));
    const question = await screen.findByTestId('date-order');
    await fireEvent.click(question.querySelector('input[value="month_first"]') as HTMLInputElement);
    await fireEvent.click(screen.getByTestId('import-start'));
    await screen.findByTestId('import-summary');
    expect(requests).toEqual([
      { path: '/chat.txt', format: null, dateOrder: null },
      { path: '/chat.txt', format: null, dateOrder: 'month_first' },
    ]);
  });

  it('shows the core’s error message with what to do, and a chosen format is sent', async () => {
    setup((command) => {
      if (command === 'detect_format') throw { code: 'invalid_input', message: '/x.bin: no export this version of Hearth can read was found here' };
      if (command === 'import_archive') throw { code: 'bad_archive', message: '/x.bin: not JSON (at line 1, column 1); export it again' };
    });
    await typePath('/x.bin');
    expect((await screen.findByTestId('import-detection')).textContent).toContain('no export this version of Hearth can read');
    await fireEvent.change(screen.getByTestId('import-format'), { target: { value: 'slack' } });
    await fireEvent.click(screen.getByTestId('import-start'));
    const shown = await screen.findByTestId('import-error-message');
    expect(shown.querySelector('[data-testid=error-headline]')?.textContent).toBe('The export could not be read');
    expect(shown.querySelector('[data-testid=error-detail]')?.textContent).toBe('/x.bin: not JSON (at line 1, column 1); export it again');
    expect(screen.getByTestId('import-error').textContent).toContain('export it again from the platform');
  });

  it('takes a path from the system picker and from files dropped on the window', async () => {
    const { calls } = setup((command) => {
      if (command === 'plugin:dialog|open') return '/picked/export.zip';
      if (command === 'detect_format') return 'slack';
    });
    await fireEvent.click(screen.getByTestId('pick-folder'));
    await waitFor(() => expect((screen.getByTestId('import-path') as HTMLInputElement).value).toBe('/picked/export.zip'));
    const picker = calls.find((call) => call.command === 'plugin:dialog|open');
    expect((picker?.args?.options as { directory: boolean }).directory).toBe(true);

    // The drop listener is registered shortly after the view mounts: drop until it is heard.
    await waitFor(async () => {
      await dropPaths(['/dropped/one.json', '/dropped/two.json']);
      expect((screen.getByTestId('import-path') as HTMLInputElement).value).toBe('/dropped/one.json');
    });
    expect(screen.getByTestId('import-note').textContent).toContain('2 items were dropped');
  });
});
