// The UI's only door to the Rust side: typed wrappers over Tauri's `invoke` and `listen`.
// Every other module imports from here, never from `@tauri-apps/api`. The types come from
// ./bindings, which ts-rs generates from the Rust types during `cargo test`.

import { invoke } from '@tauri-apps/api/core';
import { listen } from '@tauri-apps/api/event';
import { getCurrentWebview } from '@tauri-apps/api/webview';
import { open, save } from '@tauri-apps/plugin-dialog';

import type { Anchor } from './bindings/Anchor';
import type { ArchiveChannel } from './bindings/ArchiveChannel';
import type { ArchiveMessage } from './bindings/ArchiveMessage';
import type { ArchivePage } from './bindings/ArchivePage';
import type { Dashboard } from './bindings/Dashboard';
import type { SearchResults } from './bindings/SearchResults';
import type { DateOrder } from './bindings/DateOrder';
import type { DemoSummary } from './bindings/DemoSummary';
import type { Error as ApiError } from './bindings/Error';
import type { ErrorCode } from './bindings/ErrorCode';
import type { GroupId } from './bindings/GroupId';
import type { GroupSummary } from './bindings/GroupSummary';
import type { ImportSummary } from './bindings/ImportSummary';
import type { Progress } from './bindings/Progress';

export type { ApiError, Dashboard, DateOrder, DemoSummary, ErrorCode, GroupId, GroupSummary, ImportSummary, Progress };
export type { Anchor } from './bindings/Anchor';
export type { ArchiveChannel } from './bindings/ArchiveChannel';
export type { ArchiveMessage } from './bindings/ArchiveMessage';
export type { ArchivePage } from './bindings/ArchivePage';
export type { ParentRef } from './bindings/ParentRef';
export type { SearchHit } from './bindings/SearchHit';
export type { SearchMethod } from './bindings/SearchMethod';
export type { SearchResults } from './bindings/SearchResults';
export type { SnippetPart } from './bindings/SnippetPart';
export type { Dimension } from './bindings/Dimension';
export type { Group } from './bindings/Group';
export type { HealthReport } from './bindings/HealthReport';
export type { Lever } from './bindings/Lever';
export type { MemberState } from './bindings/MemberState';
export type { MetricExplanation } from './bindings/MetricExplanation';
export type { MetricId } from './bindings/MetricId';
export type { Platform } from './bindings/Platform';
export type { ProgressUnit } from './bindings/ProgressUnit';
export type { Skipped } from './bindings/Skipped';
export type { Stage } from './bindings/Stage';
export type { StageCount } from './bindings/StageCount';
export type { StageTotal } from './bindings/StageTotal';
export type { Unit } from './bindings/Unit';
export type { WeekActive } from './bindings/WeekActive';

/** The event the shell emits while it creates the demo community (see src-tauri). */
export const DEMO_PROGRESS_EVENT = 'demo-progress';

/** The event the shell emits while an import runs (see src-tauri). */
export const IMPORT_PROGRESS_EVENT = 'import-progress';

const ERROR_CODES: readonly ErrorCode[] = [
  'not_found',
  'invalid_input',
  'bad_archive',
  'store_too_new',
  'store',
  'needs_date_order',
  'cancelled',
];

export function isApiError(value: unknown): value is ApiError {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as { code?: unknown; message?: unknown };
  return typeof candidate.message === 'string' && ERROR_CODES.includes(candidate.code as ErrorCode);
}

/**
 * Commands reject with the core's `{ code, message }`. Anything else (Tauri refusing a
 * command, a broken bridge) is reported under the `store` code with what Tauri said, so
 * the screens handle one error shape.
 */
export function toApiError(reason: unknown): ApiError {
  if (isApiError(reason)) return reason;
  const text = reason instanceof Error ? reason.message : String(reason);
  return { code: 'store', message: `The window could not reach Hearth's core: ${text}` };
}

async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (reason) {
    throw toApiError(reason);
  }
}

export function listGroups(): Promise<GroupSummary[]> {
  return call<GroupSummary[]>('list_groups');
}

export function dashboard(groupId: GroupId): Promise<Dashboard> {
  return call<Dashboard>('dashboard', { groupId });
}

export function archiveChannels(groupId: GroupId): Promise<ArchiveChannel[]> {
  return call<ArchiveChannel[]>('archive_channels', { groupId });
}

/** Up to `limit` lines of a channel around `anchor`, oldest first. */
export function archivePage(groupId: GroupId, channelId: number, anchor: Anchor, limit: number): Promise<ArchivePage> {
  return call<ArchivePage>('archive_page', { groupId, channelId, anchor, limit });
}

/** The page of the channel a message is in, opened at that message. */
export function archivePageAtMessage(groupId: GroupId, messageId: number, limit: number): Promise<ArchivePage> {
  return call<ArchivePage>('archive_page_at_message', { groupId, messageId, limit });
}

/** A message and every reply below it. */
export function archiveThread(groupId: GroupId, messageId: number): Promise<ArchiveMessage[]> {
  return call<ArchiveMessage[]>('archive_thread', { groupId, messageId });
}

export function searchMessages(groupId: GroupId, query: string, limit: number): Promise<SearchResults> {
  return call<SearchResults>('search_messages', { groupId, query, limit });
}

/**
 * Creates the demo community if the store has no group yet; resolves to `null` when it
 * already had one. `onProgress` receives the shell's throttled progress reports.
 */
export async function ensureDemo(onProgress: (progress: Progress) => void): Promise<DemoSummary | null> {
  const unlisten = await listen<Progress>(DEMO_PROGRESS_EVENT, (event) => onProgress(event.payload));
  try {
    return await call<DemoSummary | null>('ensure_demo');
  } finally {
    unlisten();
  }
}

/** The import formats the core reads, by the names it knows them ("discord", "slack", …). */
export function importFormats(): Promise<string[]> {
  return call<string[]>('import_formats');
}

/** The format the core would read `path` as; rejects with why none fits. */
export function detectFormat(path: string): Promise<string> {
  return call<string>('detect_format', { path });
}

export interface ImportRequest {
  path: string;
  /** `null`: let the core detect it. */
  format: string | null;
  /** WhatsApp only, when the core asked for it (`needs_date_order`). */
  dateOrder: DateOrder | null;
}

/**
 * Imports an export into the store. `onProgress` receives the shell's throttled progress
 * reports. Rejects with code `cancelled` after `cancelImport`, the store then unchanged.
 */
export async function importArchive(request: ImportRequest, onProgress: (progress: Progress) => void): Promise<ImportSummary> {
  const unlisten = await listen<Progress>(IMPORT_PROGRESS_EVENT, (event) => onProgress(event.payload));
  try {
    return await call<ImportSummary>('import_archive', { path: request.path, format: request.format, dateOrder: request.dateOrder });
  } finally {
    unlisten();
  }
}

/** Asks the running import to stop; resolves to whether one was running. */
export function cancelImport(): Promise<boolean> {
  return call<boolean>('cancel_import');
}

/** The system's open dialog, for one file or one folder; `null` when the person closed it. */
export async function pickExportPath(kind: 'file' | 'folder', title: string): Promise<string | null> {
  try {
    const chosen = await open({ directory: kind === 'folder', multiple: false, title });
    return typeof chosen === 'string' ? chosen : null;
  } catch (reason) {
    throw toApiError(reason);
  }
}

export type DropEvent = { kind: 'hover' } | { kind: 'leave' } | { kind: 'drop'; paths: string[] };

/** Files and folders dragged onto the window (the paths come from the system, not the page). */
export async function onPathsDropped(handler: (event: DropEvent) => void): Promise<() => void> {
  const unlisten = await getCurrentWebview().onDragDropEvent((event) => {
    const payload = event.payload;
    if (payload.type === 'drop') handler({ kind: 'drop', paths: payload.paths });
    else if (payload.type === 'leave') handler({ kind: 'leave' });
    else handler({ kind: 'hover' });
  });
  return unlisten;
}

// people: the groups overview, the dashboard's trend and heatmaps, the members table, the
// member profile with its notes, and the CSV export.

export type { CellMembers } from './bindings/CellMembers';
export type { Cohort } from './bindings/Cohort';
export type { HeatmapCell } from './bindings/HeatmapCell';
export type { HeatmapData } from './bindings/HeatmapData';
export type { HeatmapView } from './bindings/HeatmapView';
export type { MemberMessage } from './bindings/MemberMessage';
export type { MemberNote } from './bindings/MemberNote';
export type { MemberProfile } from './bindings/MemberProfile';
export type { MemberRow } from './bindings/MemberRow';
export type { MembersTable } from './bindings/MembersTable';
export type { OverviewRow } from './bindings/OverviewRow';
export type { RiskBand } from './bindings/RiskBand';
export type { Trend } from './bindings/Trend';
export type { TrendPoint } from './bindings/TrendPoint';
export type { WeekPosts } from './bindings/WeekPosts';
export type { WeekScore } from './bindings/WeekScore';

/** One group's row of the overview: score, 12 weekly scores, change, warnings, flags. */
export function overviewRow(groupId: GroupId): Promise<import('./bindings/OverviewRow').OverviewRow> {
  return call('overview_row', { groupId });
}

/** The daily score between two dates (YYYY-MM-DD; `null`: the whole history). */
export function healthTrend(groupId: GroupId, from: string | null, to: string | null): Promise<import('./bindings/Trend').Trend> {
  return call('health_trend', { groupId, from, to });
}

export type HeatmapKindName = 'stages' | 'cohorts' | 'hours' | 'first-minutes' | 'transitions';

/** One heatmap; `timezone` (IANA name) only matters for `hours`. */
export function heatmap(groupId: GroupId, kind: HeatmapKindName, timezone: string | null): Promise<import('./bindings/HeatmapView').HeatmapView> {
  return call('heatmap', { groupId, kind, timezone });
}

/** This computer's time zone as an IANA name, or `null` when the system does not say. */
export function computerTimezone(): Promise<string | null> {
  return call('computer_timezone');
}

/** The members behind a cell of the stage or cohort heatmap. */
export function heatmapMembers(groupId: GroupId, cell: import('./bindings/HeatmapCell').HeatmapCell): Promise<import('./bindings/CellMembers').CellMembers> {
  return call('heatmap_members', { groupId, cell });
}

export function membersTable(groupId: GroupId): Promise<import('./bindings/MembersTable').MembersTable> {
  return call('members_table', { groupId });
}

export function memberProfile(groupId: GroupId, memberId: number): Promise<import('./bindings/MemberProfile').MemberProfile> {
  return call('member_profile', { groupId, memberId });
}

export function addMemberNote(groupId: GroupId, memberId: number, body: string): Promise<import('./bindings/MemberNote').MemberNote> {
  return call('add_member_note', { groupId, memberId, body });
}

export function updateMemberNote(groupId: GroupId, noteId: number, body: string): Promise<import('./bindings/MemberNote').MemberNote> {
  return call('update_member_note', { groupId, noteId, body });
}

export function deleteMemberNote(groupId: GroupId, noteId: number): Promise<void> {
  return call('delete_member_note', { groupId, noteId });
}

/**
 * Asks where to save a CSV (the system's save dialog) and writes `contents` there through
 * the core. Resolves to the chosen path, or `null` when the person closed the dialog.
 */
export async function saveCsv(contents: string, defaultName: string, title: string): Promise<string | null> {
  let chosen: string | null;
  try {
    chosen = await save({ title, defaultPath: defaultName, filters: [{ name: 'CSV', extensions: ['csv'] }] });
  } catch (reason) {
    throw toApiError(reason);
  }
  if (chosen === null) return null;
  const path = /\.csv$/i.test(chosen) ? chosen : `${chosen}.csv`;
  await call<number>('write_csv_file', { path, contents });
  return path;
}
