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

/** Where each command's start and answer are noted when a benchmark asks (it sets the array). */
type CallLog = { command: string; start: number; end: number | null }[];

async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  const log = (globalThis as { __hearthCallLog?: CallLog }).__hearthCallLog;
  const entry = log ? { command, start: performance.now(), end: null as number | null } : null;
  if (log && entry) log.push(entry);
  try {
    return await invoke<T>(command, args);
  } catch (reason) {
    throw toApiError(reason);
  } finally {
    if (entry) entry.end = performance.now();
  }
}

/** How far the store's migration is while one runs (a store written by an older Hearth), else `null`. */
export function storeUpgrade(): Promise<Progress | null> {
  return call<Progress | null>('store_upgrade');
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

/** The event the shell emits while it builds, in the background, the indexes a large import left for after its commit. */
export const INDEX_PROGRESS_EVENT = 'index-progress';

/** How far the background index build is while one runs, else `null`. */
export function indexBuild(): Promise<Progress | null> {
  return call<Progress | null>('index_build');
}

/** Follows the background index build; resolves to the function that stops following. */
export async function onIndexProgress(handler: (progress: Progress) => void): Promise<() => void> {
  return listen<Progress>(INDEX_PROGRESS_EVENT, (event) => handler(event.payload));
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
    // In Documents, not the folder Hearth was started from (see `default_save_path`).
    const defaultPath = (await call<string | null>('default_save_path', { name: defaultName })) ?? defaultName;
    chosen = await save({ title, defaultPath, filters: [{ name: 'CSV', extensions: ['csv'] }] });
  } catch (reason) {
    throw toApiError(reason);
  }
  if (chosen === null) return null;
  const path = /\.csv$/i.test(chosen) ? chosen : `${chosen}.csv`;
  await call<number>('write_csv_file', { path, contents });
  return path;
}

// Moderation: churn warnings and the backtest, the review queue and its decisions log,
// the analytics settings with their preview, and the app-level settings.

export type { AppSettings } from './bindings/AppSettings';
export type { BacktestReport } from './bindings/BacktestReport';
export type { ChurnWarning } from './bindings/ChurnWarning';
export type { Decision } from './bindings/Decision';
export type { DecisionEntry } from './bindings/DecisionEntry';
export type { Evidence } from './bindings/Evidence';
export type { FlagList } from './bindings/FlagList';
export type { FlagStatus } from './bindings/FlagStatus';
export type { FlagView } from './bindings/FlagView';
export type { MethodResult } from './bindings/MethodResult';
export type { MetricChange } from './bindings/MetricChange';
export type { Playbook } from './bindings/Playbook';
export type { Reason } from './bindings/Reason';
export type { ReasonCode } from './bindings/ReasonCode';
export type { SettingEdit } from './bindings/SettingEdit';
export type { SettingEntry } from './bindings/SettingEntry';
export type { SettingProblem } from './bindings/SettingProblem';
export type { SettingsPreview } from './bindings/SettingsPreview';
export type { SettingsView } from './bindings/SettingsView';
export type { Severity } from './bindings/Severity';
export type { StoredText } from './bindings/StoredText';
export type { TextErased } from './bindings/TextErased';
export type { WarningAction } from './bindings/WarningAction';
export type { WarningItem } from './bindings/WarningItem';
export type { WarningList } from './bindings/WarningList';
export type { WarningPage } from './bindings/WarningPage';
export type { SeverityTotals } from './bindings/SeverityTotals';

import type { AppSettings } from './bindings/AppSettings';
import type { BacktestReport } from './bindings/BacktestReport';
import type { Decision } from './bindings/Decision';
import type { DecisionEntry } from './bindings/DecisionEntry';
import type { FlagList } from './bindings/FlagList';
import type { FlagView } from './bindings/FlagView';
import type { SettingEdit } from './bindings/SettingEdit';
import type { SettingsPreview } from './bindings/SettingsPreview';
import type { SettingsView } from './bindings/SettingsView';
import type { StoredText } from './bindings/StoredText';
import type { TextErased } from './bindings/TextErased';
import type { WarningAction } from './bindings/WarningAction';
import type { WarningPage } from './bindings/WarningPage';

/**
 * The group's churn warnings, the first `perSeverity` of each severity (most at risk
 * first) with how many each has; snoozed and handled ones too with `includeHidden`.
 */
export function churnWarnings(groupId: GroupId, includeHidden: boolean, perSeverity: number): Promise<WarningPage> {
  return call<WarningPage>('churn_warnings', { groupId, includeHidden, perSeverity });
}

/** How far to trust the warnings: the rules and the risk score tested on the group's history. */
export function churnBacktest(groupId: GroupId): Promise<BacktestReport> {
  return call<BacktestReport>('churn_backtest', { groupId });
}

export interface WarningActionRequest {
  /** Days to snooze for; 0 ends a snooze. */
  snoozeDays?: number;
  /** true: handled now; false: reopened. */
  handled?: boolean;
  /** The note; empty clears it. */
  note?: string;
}

export function actOnWarning(groupId: GroupId, memberId: number, request: WarningActionRequest): Promise<WarningAction> {
  return call<WarningAction>('act_on_warning', {
    groupId,
    memberId,
    snoozeDays: request.snoozeDays ?? null,
    handled: request.handled ?? null,
    note: request.note ?? null,
  });
}

/** Runs flag detection and lists the review queue. */
export function reviewFlags(groupId: GroupId): Promise<FlagList> {
  return call<FlagList>('review_flags', { groupId });
}

export function reviewFlag(groupId: GroupId, flagId: number, decision: Decision, note: string | null): Promise<FlagView> {
  return call<FlagView>('review_flag', { groupId, flagId, decision, note });
}

export function undoReview(groupId: GroupId, flagId: number): Promise<FlagView> {
  return call<FlagView>('undo_review', { groupId, flagId });
}

/** The messages a flag's evidence names, oldest first. */
export function flagMessages(groupId: GroupId, flagId: number): Promise<ArchiveMessage[]> {
  return call<ArchiveMessage[]>('flag_messages', { groupId, flagId });
}

export function decisionsLog(groupId: GroupId): Promise<DecisionEntry[]> {
  return call<DecisionEntry[]>('decisions_log', { groupId });
}

export function groupSettings(groupId: GroupId): Promise<SettingsView> {
  return call<SettingsView>('group_settings', { groupId });
}

/** The score under the stored settings and under them with `edits`, nothing stored. */
export function previewSettings(groupId: GroupId, edits: SettingEdit[]): Promise<SettingsPreview> {
  return call<SettingsPreview>('preview_settings', { groupId, edits });
}

export function saveSettings(groupId: GroupId, edits: SettingEdit[]): Promise<SettingsView> {
  return call<SettingsView>('save_settings', { groupId, edits });
}

/** Back to the defaults: one section, or all with `null`. */
export function resetSettings(groupId: GroupId, section: string | null): Promise<SettingsView> {
  return call<SettingsView>('reset_settings', { groupId, section });
}

export function appSettings(): Promise<AppSettings> {
  return call<AppSettings>('app_settings');
}

export function setStoreMessageText(keep: boolean): Promise<AppSettings> {
  return call<AppSettings>('set_store_message_text', { keep });
}

export function storedText(groupId: GroupId): Promise<StoredText> {
  return call<StoredText>('stored_text', { groupId });
}

export function eraseMessageText(groupId: GroupId): Promise<TextErased> {
  return call<TextErased>('erase_message_text', { groupId });
}
