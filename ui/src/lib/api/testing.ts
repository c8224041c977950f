// Test doubles for the IPC boundary, so that tests outside lib/api need not import Tauri
// either: commands answered by a plain function, and events emitted as the shell would.

import { emit } from '@tauri-apps/api/event';
import { clearMocks, mockIPC, mockWindows } from '@tauri-apps/api/mocks';

export type CommandHandler = (command: string, args: Record<string, unknown> | undefined) => unknown;

/** Answers every command with `handler`; with `events`, `listen` and `emitEvent` work too. */
export function mockCommands(handler: CommandHandler, { events = false }: { events?: boolean } = {}): void {
  mockWindows('main');
  mockIPC((command, args) => handler(command, args as Record<string, unknown> | undefined), { shouldMockEvents: events });
}

/** Files dropped on the window, as Tauri's webview reports them. */
export function dropPaths(paths: string[]): Promise<void> {
  return emit('tauri://drag-drop', { paths, position: { x: 10, y: 10 } });
}

export function emitEvent(name: string, payload: unknown): Promise<void> {
  return emit(name, payload);
}

export function resetCommands(): void {
  clearMocks();
}
