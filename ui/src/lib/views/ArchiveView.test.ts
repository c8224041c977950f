import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { afterEach, describe, expect, it } from 'vitest';

import type { ArchiveMessage, ArchivePage, SearchResults } from '../api/api';
import { mockCommands, resetCommands } from '../api/testing';
import ArchiveView from './ArchiveView.svelte';

afterEach(() => {
  cleanup();
  resetCommands();
});

const START = Date.UTC(2026, 9, 1, 12) / 1000;

function line(id: number, overrides: Partial<ArchiveMessage> = {}): ArchiveMessage {
  return {
    id,
    channel_id: 7,
    at: START + id * 60,
    author_id: id % 2,
    author_name: id % 2 ? 'Ada' : 'Grace',
    author_is_bot: false,
    kind: 'message',
    raw_kind: null,
    text: `line ${id}`,
    parent: null,
    replies: 0,
    reactions: 0,
    ...overrides,
  };
}

const channels = [
  { id: 3, name: 'random', messages: 2, first_at: START, last_at: START + 60 },
  { id: 7, name: 'general', messages: 120, first_at: START, last_at: START + 7200 },
];

describe('ArchiveView', () => {
  it('opens the busiest channel at its end, and loads earlier lines above', async () => {
    const calls: unknown[] = [];
    mockCommands((command, args) => {
      calls.push({ command, ...args });
      if (command === 'archive_channels') return channels;
      if (command === 'archive_page') {
        const anchor = (args as { anchor: { kind: string } }).anchor;
        if (anchor.kind === 'end') {
          return { channel_id: 7, messages: [line(101), line(102, { replies: 2, reactions: 3 })], has_earlier: true, has_later: false, focus: null } satisfies ArchivePage;
        }
        return { channel_id: 7, messages: [line(99), line(100)], has_earlier: false, has_later: true, focus: null } satisfies ArchivePage;
      }
    });
    render(ArchiveView, { groupId: 1 });
    await waitFor(() => expect(screen.getAllByTestId('archive-line')).toHaveLength(2));
    expect(calls).toContainEqual({ command: 'archive_page', groupId: 1, channelId: 7, anchor: { kind: 'end' }, limit: 100 });
    expect(screen.getByTestId('archive-replies').textContent?.trim()).toBe('2 replies');
    expect(screen.getByText('3 reactions')).toBeTruthy();

    const earlier = screen.getByTestId('archive-earlier') as HTMLButtonElement;
    await waitFor(() => expect(earlier.disabled).toBe(false));
    await fireEvent.click(earlier);
    await waitFor(() => expect(screen.getAllByTestId('archive-line')).toHaveLength(4));
    expect(calls).toContainEqual({ command: 'archive_page', groupId: 1, channelId: 7, anchor: { kind: 'before', value: 101 }, limit: 100 });
    expect(screen.getAllByTestId('archive-text').map((text) => text.textContent)).toEqual(['line 99', 'line 100', 'line 101', 'line 102']);
    expect(screen.queryByTestId('archive-earlier')).toBeNull();
  });

  it('shows search hits with the matches marked and community text as text, then opens a hit in its channel', async () => {
    const payload = '<img src=x onerror="window.__xss=1"> deploy';
    const results: SearchResults = {
      query: 'deploy',
      method: 'words',
      truncated: false,
      hits: [
        {
          message: line(42, { text: payload, author_name: '<b>Mallory</b>' }),
          channel_name: 'general',
          snippet: [
            { text: '<img src=x onerror="window.__xss=1"> ', hit: false },
            { text: 'deploy', hit: true },
          ],
        },
      ],
    };
    const calls: string[] = [];
    mockCommands((command) => {
      calls.push(command);
      if (command === 'archive_channels') return channels;
      if (command === 'archive_page') return { channel_id: 7, messages: [line(101)], has_earlier: false, has_later: false, focus: null };
      if (command === 'search_messages') return results;
      if (command === 'archive_page_at_message') {
        return { channel_id: 7, messages: [line(41), line(42, { text: payload }), line(43)], has_earlier: true, has_later: true, focus: 42 };
      }
    });
    render(ArchiveView, { groupId: 1 });
    await screen.findAllByTestId('archive-line');

    const input = screen.getByTestId('archive-search') as HTMLInputElement;
    await fireEvent.input(input, { target: { value: 'deploy' } });
    await fireEvent.keyDown(input, { key: 'Enter' });
    const hit = await screen.findByTestId('archive-hit');
    expect(hit.textContent).toContain('<b>Mallory</b>');
    expect(screen.getByTestId('archive-snippet').querySelector('mark')?.textContent).toBe('deploy');
    expect(document.querySelector('img[src="x"]')).toBeNull();
    expect(screen.getByTestId('archive-results-summary').textContent).toContain('1 message found');

    await fireEvent.click(hit);
    await waitFor(() => expect(screen.getAllByTestId('archive-line')).toHaveLength(3));
    const focused = document.querySelector('.focused');
    expect(focused?.getAttribute('data-message-id')).toBe('42');
    expect(focused?.textContent).toContain(payload);
    expect(document.querySelector('img[src="x"]')).toBeNull();
    expect((window as unknown as { __xss?: number }).__xss).toBeUndefined();
    expect(calls).toContain('archive_page_at_message');
  });

  it('opens a thread beside the channel and closes it', async () => {
    mockCommands((command) => {
      if (command === 'archive_channels') return channels;
      if (command === 'archive_page') return { channel_id: 7, messages: [line(10, { replies: 1 })], has_earlier: false, has_later: false, focus: null };
      if (command === 'archive_thread') {
        return [line(10, { replies: 1 }), line(11, { kind: 'reply', parent: { id: 10, author_name: 'Grace', excerpt: 'line 10' } })];
      }
    });
    render(ArchiveView, { groupId: 1 });
    await fireEvent.click(await screen.findByTestId('archive-replies'));
    const thread = await screen.findByTestId('archive-thread');
    expect(thread.textContent).toContain('Replying to Grace');
    await fireEvent.click(screen.getByTestId('archive-thread-close'));
    expect(screen.queryByTestId('archive-thread')).toBeNull();
  });

  it('tells when the group has no channel', async () => {
    mockCommands((command) => (command === 'archive_channels' ? [] : null));
    render(ArchiveView, { groupId: 1 });
    expect((await screen.findByTestId('archive-empty')).textContent).toContain('no channels');
  });
});
