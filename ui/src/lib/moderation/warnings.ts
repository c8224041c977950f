// Churn warnings for the screen: grouped by severity, with labels for the core's codes.

import type { Severity, WarningItem } from '../api/api';
import { en } from '../i18n/en';
import type { MessageKey } from '../i18n';

export const SEVERITIES: readonly Severity[] = ['high', 'medium', 'low'];

export interface SeverityGroup {
  severity: Severity;
  items: WarningItem[];
}

/** The warnings by severity, most severe first; within one, highest risk first. Empty groups are left out. */
export function groupBySeverity(items: readonly WarningItem[]): SeverityGroup[] {
  return SEVERITIES.map((severity) => ({
    severity,
    items: items
      .filter((item) => item.warning.severity === severity)
      .sort((a, b) => b.risk - a.risk || a.warning.member_id - b.warning.member_id),
  })).filter((group) => group.items.length > 0);
}

/** Whether `key` is a message of the catalogue (for codes the core may add later). */
export function isMessageKey(key: string): key is MessageKey {
  return Object.prototype.hasOwnProperty.call(en, key) && typeof en[key as keyof typeof en] === 'string';
}
