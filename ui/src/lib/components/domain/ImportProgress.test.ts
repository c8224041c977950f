import { cleanup, fireEvent, render, screen } from '@testing-library/svelte';
import { afterEach, describe, expect, it } from 'vitest';

import type { Progress } from '../../api/api';
import ImportProgress from './ImportProgress.svelte';

afterEach(cleanup);

const NO_ESTIMATE = { unitsPerSecond: null, itemsPerSecond: null, secondsLeft: null };

describe('ImportProgress', () => {
  it('counts files for exports of many files, with rate and time left', () => {
    const progress: Progress = { step: 'Reading messages', items: 12_500, done: 30, total: 120, unit: 'files' };
    render(ImportProgress, { progress, estimate: { unitsPerSecond: 6, itemsPerSecond: 2_500, secondsLeft: 15 }, cancelling: false, oncancel: () => {} });
    expect(screen.getByTestId('import-amount').textContent).toBe('30 of 120 files');
    expect(screen.getByTestId('import-rate').textContent).toBe('6 files/s · 2,500 items/s');
    expect(screen.getByTestId('import-time-left').textContent).toBe('about 15 s left');
    expect(document.querySelector('progress')?.getAttribute('max')).toBe('120');
  });

  it('shows an indeterminate bar and no time left for a step of unknown length', () => {
    const progress: Progress = { step: 'Indexing for search', items: 199_013, done: 199_013, total: null, unit: 'items' };
    render(ImportProgress, { progress, estimate: NO_ESTIMATE, cancelling: false, oncancel: () => {} });
    expect(screen.getByTestId('import-step').textContent).toBe('Indexing for search');
    expect(screen.getByTestId('import-amount').textContent).toBe('199,013');
    expect(screen.getByTestId('import-items').textContent).toBe('199,013 items read');
    expect(screen.getByTestId('import-time-left').textContent).toBe('time left unknown');
    expect(screen.queryByTestId('import-rate')).toBeNull();
    expect(document.querySelector('progress')?.hasAttribute('value')).toBe(false);
  });

  it('calls back on Cancel once, then shows that it is cancelling', async () => {
    let cancels = 0;
    const view = render(ImportProgress, { progress: null, estimate: NO_ESTIMATE, cancelling: false, oncancel: () => (cancels += 1) });
    expect(screen.getByTestId('import-step').textContent).toBe('Starting…');
    await fireEvent.click(screen.getByTestId('import-cancel'));
    expect(cancels).toBe(1);
    await view.rerender({ progress: null, estimate: NO_ESTIMATE, cancelling: true, oncancel: () => (cancels += 1) });
    const button = screen.getByTestId('import-cancel') as HTMLButtonElement;
    expect(button.disabled).toBe(true);
    expect(button.textContent?.trim()).toBe('Cancelling…');
  });
});
