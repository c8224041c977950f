// Names the profile shows for what the core identifies by code: the stage rules' checks
// (the core words them in English with their numbers), the risk model's features and the
// churn warnings' reasons. An unknown text is shown as the core wrote it.

import type { ReasonCode } from '../api/bindings/ReasonCode';
import { t } from '../i18n/i18n.svelte';

const CHECKS: { pattern: RegExp; label: (match: RegExpMatchArray) => string }[] = [
  { pattern: /^days since the first message \(Newcomer under (\d+)\)$/, label: (match) => t('profile.check_first_message', { days: match[1]! }) },
  { pattern: /^days since the last message$/, label: () => t('profile.check_last_message') },
  { pattern: /^active days in the last (\d+) days$/, label: (match) => t('profile.check_active_days', { days: match[1]! }) },
  { pattern: /^responses given in the last (\d+) days$/, label: (match) => t('profile.check_given', { days: match[1]! }) },
  { pattern: /^responses received in the last (\d+) days$/, label: (match) => t('profile.check_received', { days: match[1]! }) },
  { pattern: /^weeks as Contributor or Core of the last (\d+)$/, label: (match) => t('profile.check_core_weeks', { weeks: match[1]! }) },
  { pattern: /^rank among the answerers of the last (\d+) days$/, label: (match) => t('profile.check_answerer_rank', { days: match[1]! }) },
];

/** A stage rule's check in the window's language. */
export function checkLabel(label: string): string {
  for (const check of CHECKS) {
    const match = label.match(check.pattern);
    if (match) return check.label(match);
  }
  return label;
}

const FEATURES = ['relative_silence', 'decline', 'centrality_drop', 'unanswered', 'newness', 'silence_days', 'activity'] as const;
type Feature = (typeof FEATURES)[number];

/** A risk model feature in the window's language. */
export function featureName(feature: string): string {
  return (FEATURES as readonly string[]).includes(feature) ? t(`profile.feature_${feature as Feature}`) : feature;
}

/** A churn warning's reason in the window's language. */
export function reasonName(code: ReasonCode): string {
  return t(`profile.reason_${code}`);
}
