// The window's words for what the core reports by code: stage rule checks, import skip
// reasons, settings problems, churn and flag evidence, and the charts' names. The core
// also writes English prose for these (for the CLI and the report); the window never
// shows that prose when it knows the code, and shows it marked as English when it does not.

import type { HeatmapKindName } from '../api/api';
import type { RuleCheck } from '../api/bindings/RuleCheck';
import type { RuleMeasure } from '../api/bindings/RuleMeasure';
import type { SettingProblem } from '../api/bindings/SettingProblem';
import type { SettingProblemCode } from '../api/bindings/SettingProblemCode';
import type { SkipCode } from '../api/bindings/SkipCode';
import type { Skipped } from '../api/bindings/Skipped';
import { en } from '../i18n/en';
import { numberFormat, t } from '../i18n/i18n.svelte';
import type { MessageKey } from '../i18n/messages';

function isKey(key: string): key is MessageKey {
  return Object.prototype.hasOwnProperty.call(en, key) && typeof en[key as keyof typeof en] === 'string';
}

/** A number in the window's locale: whole numbers plain, others with up to two decimals. */
export function localNumber(value: number, maximumFractionDigits = 2): string {
  return numberFormat({ maximumFractionDigits: Number.isInteger(value) ? 0 : maximumFractionDigits }).format(value);
}

const MEASURES: Record<RuleMeasure, MessageKey> = {
  days_since_first_message: 'profile.check_first_message',
  days_since_last_message: 'profile.check_last_message',
  active_days: 'profile.check_active_days',
  responses_given: 'profile.check_given',
  responses_received: 'profile.check_received',
  contributor_weeks: 'profile.check_core_weeks',
  answerer_rank: 'profile.check_answerer_rank',
  pagerank_rank: 'core.check_pagerank_rank',
};

/** What a stage rule's check counts, in the window's language, with its window (days, or weeks). */
export function checkName(check: Pick<RuleCheck, 'measure' | 'window'>): string {
  const window = localNumber(check.window);
  return t(MEASURES[check.measure], { days: window, weeks: window });
}

const SKIPS: Record<Exclude<SkipCode, 'other'>, MessageKey> = {
  no_author: 'core.skip_no_author',
  no_timestamp: 'core.skip_no_timestamp',
  no_message_id: 'core.skip_no_message_id',
  no_date: 'core.skip_no_date',
  no_sender: 'core.skip_no_sender',
  date_out_of_range: 'core.skip_date_out_of_range',
  deletion_notice: 'core.skip_deletion_notice',
  empty_edit: 'core.skip_empty_edit',
  unattributed_reactions: 'core.skip_unattributed_reactions',
  other_file: 'core.skip_other_file',
  encryption_notice: 'core.skip_encryption_notice',
  exporter_join_or_leave: 'core.skip_exporter_join_or_leave',
  system_line: 'core.skip_system_line',
  nameless_member: 'core.skip_nameless_member',
  unsupported: 'core.skip_unsupported',
  unknown_type: 'core.skip_unknown_type',
  service_without_actor: 'core.skip_service_without_actor',
  service_without_activity: 'core.skip_service_without_activity',
  system_without_activity: 'core.skip_system_without_activity',
};

/**
 * Why items were skipped, in the window's language; `english` is set when the core's
 * reason has no code yet and the window can only show the core's English words.
 */
export function skipReason(skipped: Pick<Skipped, 'code' | 'detail' | 'reason'>): { text: string; english: boolean } {
  if (skipped.code === 'other') return { text: skipped.reason, english: true };
  return { text: t(SKIPS[skipped.code], { detail: skipped.detail ?? '' }), english: false };
}

const PROBLEMS: Record<SettingProblemCode, MessageKey> = {
  unknown_key: 'core.problem_unknown_key',
  bad_value: 'core.problem_bad_value',
  invalid: 'core.problem_invalid',
};

/**
 * A settings problem the core found: what to do in the window's language (naming the
 * setting as the screen labels it), and the core's English detail for the numbers.
 */
export function settingProblemText(problem: Pick<SettingProblem, 'code' | 'message'>, setting: string | null): { text: string; detail: string } {
  const key = setting === null && problem.code !== 'unknown_key' ? 'core.problem_invalid_general' : PROBLEMS[problem.code];
  return { text: t(key, { setting: setting ?? '' }), detail: problem.message };
}

/** A named number of the evidence behind a warning or a flag, as the screens label it. */
export function evidenceLabel(name: string): string {
  const key = `evidence.${name}`;
  return isKey(key) ? t(key) : t('core.evidence_unnamed', { name: name.replace(/_/g, ' ') });
}

/** The evidence as one line: "Days silent 9.5 · Usual gap (days) 2". */
export function evidenceLine(evidence: readonly { name: string; value: number }[]): string {
  return evidence.map((item) => `${evidenceLabel(item.name)} ${localNumber(item.value)}`).join(' · ');
}

const CHARTS: Record<HeatmapKindName, MessageKey> = {
  stages: 'core.chart_stages',
  cohorts: 'core.chart_cohorts',
  hours: 'core.chart_hours',
  'first-minutes': 'core.chart_first_minutes',
  transitions: 'core.chart_transitions',
};

/** A heatmap chart's name in the window's language (the core's chart titles are English). */
export function chartName(kind: HeatmapKindName): string {
  return t(CHARTS[kind]);
}
