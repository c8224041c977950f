// Names the members screens show for what the core identifies by code: the risk model's features,
// the churn warnings' reasons and severities, risk bands, stage verdicts and weekdays. An
// unknown text is shown as the core wrote it.

import type { RiskBand } from '../api/api';
import type { ReasonCode } from '../api/bindings/ReasonCode';
import type { Severity } from '../api/bindings/Severity';
import type { Verdict } from '../api/bindings/Verdict';
import type { MessageKey } from '../i18n';
import { t } from '../i18n/i18n.svelte';

const FEATURES: Record<string, MessageKey> = {
  relative_silence: 'profile.feature_relative_silence',
  decline: 'profile.feature_decline',
  centrality_drop: 'profile.feature_centrality_drop',
  unanswered: 'profile.feature_unanswered',
  newness: 'profile.feature_newness',
  silence_days: 'profile.feature_silence_days',
  activity: 'profile.feature_activity',
};

/** A risk model feature in the window's language. */
export function featureName(feature: string): string {
  const key = FEATURES[feature];
  return key ? t(key) : feature;
}

const REASONS: Record<ReasonCode, MessageKey> = {
  silent_short: 'profile.reason_silent_short',
  silent_long: 'profile.reason_silent_long',
  key_member_at_risk: 'profile.reason_key_member_at_risk',
  newcomer_unanswered: 'profile.reason_newcomer_unanswered',
  newcomer_critical_window: 'profile.reason_newcomer_critical_window',
  declining: 'profile.reason_declining',
};

/** A churn warning's reason in the window's language. */
export function reasonName(code: ReasonCode): string {
  return t(REASONS[code]);
}

const RISK_BANDS: Record<RiskBand, MessageKey> = { low: 'members.risk_low', medium: 'members.risk_medium', high: 'members.risk_high' };

export function riskBandName(band: RiskBand): string {
  return t(RISK_BANDS[band]);
}

const SEVERITIES: Record<Severity, MessageKey> = { low: 'profile.severity_low', medium: 'profile.severity_medium', high: 'profile.severity_high' };

export function severityName(severity: Severity): string {
  return t(SEVERITIES[severity]);
}

const VERDICTS: Record<Verdict, MessageKey> = { climbing: 'heatmaps.verdict_climbing', stable: 'heatmaps.verdict_stable', dropping: 'heatmaps.verdict_dropping' };

export function verdictName(verdict: Verdict): string {
  return t(VERDICTS[verdict]);
}

const WEEKDAYS: [string, MessageKey][] = [
  ['mon', 'heatmaps.weekday_mon'],
  ['tue', 'heatmaps.weekday_tue'],
  ['wed', 'heatmaps.weekday_wed'],
  ['thu', 'heatmaps.weekday_thu'],
  ['fri', 'heatmaps.weekday_fri'],
  ['sat', 'heatmaps.weekday_sat'],
  ['sun', 'heatmaps.weekday_sun'],
];

/** A weekday the core names in English ("Monday") as the window's short name. */
export function weekdayName(day: string): string {
  const found = WEEKDAYS.find(([prefix]) => day.toLowerCase().startsWith(prefix));
  return found ? t(found[1]) : day;
}
