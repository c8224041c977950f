import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { afterEach, describe, expect, it } from 'vitest';

import type { FlagStatus, FlagView } from '../api/api';
import { mockCommands, resetCommands } from '../api/testing';
import ReviewView from './ReviewView.svelte';

afterEach(() => {
  cleanup();
  resetCommands();
});

function flag(id: number, status: FlagStatus = 'open'): FlagView {
  return {
    id,
    member_id: id * 10,
    display_name: `<b>Member ${id}</b>`,
    code: 'flood',
    status,
    note: null,
    evidence: { numbers: [{ name: 'messages', value: 3 }], message_ids: [id * 100], first_at: 1_700_000_000, last_at: 1_700_000_060 },
    created_at: 1_700_000_100,
    decided_at: null,
    decisions: [],
  };
}

/** A fake core: three open flags; decisions and undo change them as the core would. */
function fakeCore() {
  const flags = [flag(1), flag(2), flag(3)];
  const calls: { command: string; args: Record<string, unknown> | undefined }[] = [];
  mockCommands((command, args) => {
    calls.push({ command, args });
    const target = flags.find((candidate) => candidate.id === args?.flagId);
    switch (command) {
      case 'review_flags':
        return { detection: { added: 0, refreshed: 0, unchanged: 3 }, flags };
      case 'flag_messages':
        return [];
      case 'review_flag': {
        const to = ({ action: 'actioned', dismiss: 'dismissed', escalate: 'escalated' } as const)[args?.decision as 'action'];
        Object.assign(target!, { status: to, note: args?.note ?? null });
        return { ...target! };
      }
      case 'undo_review':
        Object.assign(target!, { status: 'open', note: null });
        return { ...target! };
    }
  });
  return calls;
}

const press = (key: string, target: Element = document.body, init: KeyboardEventInit = {}) =>
  fireEvent.keyDown(target, { key, bubbles: true, ...init });
const selectedId = () => Number(document.querySelector('[data-testid=flag-row][aria-current=true]')?.getAttribute('data-flag-id'));
const decisions = (calls: ReturnType<typeof fakeCore>) =>
  calls.filter((call) => call.command === 'review_flag' || call.command === 'undo_review').map((call) => [call.command, call.args?.flagId, call.args?.decision ?? null, call.args?.note ?? null]);

describe('ReviewView', () => {
  it('moves with j/k, decides with a/d/e, undoes with u and Ctrl+Z, and shows the keys', async () => {
    const calls = fakeCore();
    render(ReviewView, { groupId: 4 });
    await waitFor(() => expect(screen.getAllByTestId('flag-row')).toHaveLength(3));
    expect(screen.getByTestId('review-keys').textContent).toMatch(/j\s*\/\s*k move.*a action.*d dismiss.*e escalate.*n note.*u undo/s);
    // Names are shown as text, never as markup.
    expect(screen.getAllByTestId('flag-row')[0]!.textContent).toContain('<b>Member 1</b>');
    expect(selectedId()).toBe(1);
    await press('j');
    await press('j');
    await press('k');
    expect(selectedId()).toBe(2);

    await press('a');
    await waitFor(() => expect(decisions(calls)).toEqual([['review_flag', 2, 'action', null]]));
    // The open filter hides the decided flag; the next one is selected.
    await waitFor(() => expect(screen.getAllByTestId('flag-row')).toHaveLength(2));
    expect(selectedId()).toBe(3);

    await press('u');
    await waitFor(() => expect(screen.getAllByTestId('flag-row')).toHaveLength(3));
    expect(selectedId()).toBe(2);
    await press('d');
    await waitFor(() => expect(screen.getAllByTestId('flag-row')).toHaveLength(2));
    await press('z', document.body, { ctrlKey: true });
    await waitFor(() => expect(decisions(calls).at(-1)).toEqual(['undo_review', 2, null, null]));
    expect(decisions(calls).map((call) => call[0])).toEqual(['review_flag', 'undo_review', 'review_flag', 'undo_review']);
  });

  it('n opens a note field where keys type instead of acting; Enter keeps the note for the next decision, Escape drops it', async () => {
    const calls = fakeCore();
    render(ReviewView, { groupId: 4 });
    await waitFor(() => expect(screen.getAllByTestId('flag-row')).toHaveLength(3));

    await press('n');
    const input = (await screen.findByTestId('review-note-input')) as HTMLInputElement;
    await waitFor(() => expect(document.activeElement).toBe(input));
    for (const key of ['a', 'd', 'e', 'j', 'u']) await press(key, input);
    await fireEvent.input(input, { target: { value: 'asked the owner' } });
    expect(decisions(calls)).toEqual([]);
    expect(selectedId()).toBe(1);
    await press('Escape', input);
    expect(screen.queryByTestId('review-note-input')).toBeNull();
    expect(screen.queryByTestId('review-note-pending')).toBeNull();

    await press('n');
    const again = (await screen.findByTestId('review-note-input')) as HTMLInputElement;
    await fireEvent.input(again, { target: { value: 'asked the owner' } });
    await press('Enter', again);
    expect(screen.getByTestId('review-note-pending').textContent).toContain('asked the owner');
    await press('e');
    await waitFor(() => expect(decisions(calls)).toEqual([['review_flag', 1, 'escalate', 'asked the owner']]));
  });

  it('filters by status and flag code', async () => {
    fakeCore();
    render(ReviewView, { groupId: 4 });
    await waitFor(() => expect(screen.getAllByTestId('flag-row')).toHaveLength(3));
    await fireEvent.change(screen.getByTestId('review-code-filter'), { target: { value: 'bot_like' } });
    await waitFor(() => expect(screen.getByTestId('review-empty')).toBeTruthy());
    await fireEvent.change(screen.getByTestId('review-code-filter'), { target: { value: 'flood' } });
    await waitFor(() => expect(screen.getAllByTestId('flag-row')).toHaveLength(3));
  });
});
