import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { emit } from '@tauri-apps/api/event';
import { afterEach, describe, expect, it } from 'vitest';

import { DEMO_PROGRESS_EVENT, dashboard, ensureDemo, listGroups, toApiError, type Progress } from './api';

afterEach(() => clearMocks());

describe('api', () => {
  it('passes the group id to the dashboard command', async () => {
    let seen: unknown;
    mockIPC((command, args) => {
      seen = { command, args };
      return { summary: {} };
    });
    await dashboard(7);
    expect(seen).toEqual({ command: 'dashboard', args: { groupId: 7 } });
  });

  it("rejects with the core's error as it came", async () => {
    mockIPC(() => {
      throw { code: 'store_too_new', message: 'update Hearth' };
    });
    await expect(listGroups()).rejects.toEqual({ code: 'store_too_new', message: 'update Hearth' });
  });

  it('wraps anything else in the one error shape', () => {
    expect(toApiError('command list_groups not allowed')).toEqual({
      code: 'store',
      message: "The window could not reach Hearth's core: command list_groups not allowed",
    });
  });

  it('forwards demo progress events while the demo is created', async () => {
    const seen: Progress[] = [];
    mockIPC(
      async (command) => {
        if (command !== 'ensure_demo') return null;
        await emit(DEMO_PROGRESS_EVENT, { step: 'Writing messages', done: 5, total: 10 });
        return null;
      },
      { shouldMockEvents: true },
    );
    await ensureDemo((progress) => seen.push(progress));
    expect(seen).toEqual([{ step: 'Writing messages', done: 5, total: 10 }]);
  });
});
