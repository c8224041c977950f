import { describe, expect, it } from 'vitest';

import type { SettingEntry, WarningItem } from '../api/api';
import { moved, reviewCommand, type KeyLike } from './keys';
import { toEdits, validateEdits } from './settings';
import { groupBySeverity } from './warnings';

function key(key: string, overrides: Partial<KeyLike> = {}): KeyLike {
  return { key, ctrlKey: false, metaKey: false, altKey: false, target: document.body, ...overrides };
}

describe('review keys', () => {
  it('map j/k/a/d/e/n/u and Ctrl+Z to their commands', () => {
    expect(['j', 'k', 'a', 'd', 'e', 'n', 'u'].map((name) => reviewCommand(key(name)))).toEqual([
      'next',
      'previous',
      'action',
      'dismiss',
      'escalate',
      'note',
      'undo',
    ]);
    expect(reviewCommand(key('z', { ctrlKey: true }))).toBe('undo');
    expect(reviewCommand(key('x'))).toBeNull();
    expect(reviewCommand(key('a', { ctrlKey: true })), 'Ctrl+A stays select-all').toBeNull();
  });

  it('do nothing while the person types in a field', () => {
    for (const tag of ['input', 'textarea', 'select']) {
      const field = document.createElement(tag);
      document.body.append(field);
      expect(reviewCommand(key('a', { target: field })), tag).toBeNull();
      expect(reviewCommand(key('z', { target: field, ctrlKey: true })), `${tag} keeps its own undo`).toBeNull();
      field.remove();
    }
    const editable = document.createElement('div');
    editable.setAttribute('contenteditable', 'true');
    expect(reviewCommand(key('j', { target: editable }))).toBeNull();
  });

  it('keep the selection inside the list', () => {
    expect(moved(0, -1, 3)).toBe(0);
    expect(moved(2, 1, 3)).toBe(2);
    expect(moved(1, 1, 3)).toBe(2);
    expect(moved(0, 1, 0)).toBe(0);
  });
});

function warning(memberId: number, severity: 'high' | 'medium' | 'low', risk: number): WarningItem {
  return {
    display_name: `Member ${memberId}`,
    risk,
    action: null,
    warning: { member_id: memberId, stage: 'participant', state: 'silent', severity, level: null, reasons: [], playbook: 'wake_silent_members' },
  };
}

describe('groupBySeverity', () => {
  it('puts high first, then medium, then low, riskiest first within each, and leaves out empty groups', () => {
    const groups = groupBySeverity([warning(1, 'low', 0.2), warning(2, 'high', 0.4), warning(3, 'low', 0.6), warning(4, 'high', 0.9)]);
    expect(groups.map((group) => [group.severity, group.items.map((item) => item.warning.member_id)])).toEqual([
      ['high', [4, 2]],
      ['low', [3, 1]],
    ]);
  });
});

const entries: SettingEntry[] = [
  { key: 'health.period_days', value: 7, is_default: true },
  { key: 'health.metrics.retention7d.weight', value: 0.6, is_default: true },
  { key: 'health.metrics.stickiness.weight', value: 0.4, is_default: true },
  { key: 'stages.demotion_ratio', value: 0.5, is_default: true },
  { key: 'health.question_words', value: ['how', 'why'], is_default: true },
  { key: 'heatmaps.timezone', value: null, is_default: true },
];

describe('settings validation', () => {
  it('asks for numbers, whole numbers where only those make sense, and weights that add up to 1', () => {
    expect(validateEdits(entries, { 'health.period_days': 'a week' })).toEqual([{ key: 'health.period_days', code: 'not_a_number', detail: '7' }]);
    expect(validateEdits(entries, { 'health.period_days': '7.5' })).toEqual([{ key: 'health.period_days', code: 'not_whole', detail: '7' }]);
    expect(validateEdits(entries, { 'stages.demotion_ratio': '0.25' })).toEqual([]);
    expect(validateEdits(entries, { 'health.metrics.retention7d.weight': '0.5' })).toEqual([
      { key: 'health.metrics', code: 'weights_sum', detail: '0.9' },
    ]);
    expect(validateEdits(entries, { 'health.metrics.retention7d.weight': '0.5', 'health.metrics.stickiness.weight': '0.5' })).toEqual([]);
  });

  it('send only what changed, as JSON the core reads', () => {
    expect(
      toEdits(entries, {
        'health.period_days': '7',
        'stages.demotion_ratio': ' 0.25 ',
        'health.question_words': 'how, why , what,',
        'heatmaps.timezone': 'Europe/Berlin',
      }),
    ).toEqual([
      { key: 'stages.demotion_ratio', value: '0.25' },
      { key: 'health.question_words', value: '["how","why","what"]' },
      { key: 'heatmaps.timezone', value: '"Europe/Berlin"' },
    ]);
    expect(toEdits([{ key: 'heatmaps.timezone', value: 'UTC', is_default: false }], { 'heatmaps.timezone': '' })).toEqual([
      { key: 'heatmaps.timezone', value: 'null' },
    ]);
  });
});
