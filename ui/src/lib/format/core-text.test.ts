import { afterEach, describe, expect, it } from 'vitest';

import type { ApiError } from '../api/api';
import type { RuleMeasure } from '../api/bindings/RuleMeasure';
import type { SkipCode } from '../api/bindings/SkipCode';
import { setLocale } from '../i18n';
import { checkName, evidenceLabel, evidenceLine, localNumber, settingProblemText, skipReason } from './core-text';
import { errorHeadline, errorHelp, errorSummary } from './errors';

/**
 * English left in a Chinese string: three or more words in a row, each two or more Latin
 * letters with at most quotes, brackets or punctuation around it, separated by spaces.
 * Codes, commands and file names (letters joined by `-`, `.`, `/`, `_`) are not words.
 */
const ENGLISH_RUN = /(?<![\w./-])[("'“‘]*[A-Za-z]{2,}[)"'”’,.;:!?]*(?:\s+[("'“‘]*[A-Za-z]{2,}[)"'”’,.;:!?]*){2,}(?![\w/-])/;

const MEASURES: RuleMeasure[] = [
  'days_since_first_message',
  'days_since_last_message',
  'active_days',
  'responses_given',
  'responses_received',
  'contributor_weeks',
  'answerer_rank',
  'pagerank_rank',
];

const SKIPS: SkipCode[] = [
  'no_author',
  'no_timestamp',
  'no_message_id',
  'no_date',
  'no_sender',
  'date_out_of_range',
  'deletion_notice',
  'empty_edit',
  'unattributed_reactions',
  'other_file',
  'encryption_notice',
  'exporter_join_or_leave',
  'system_line',
  'nameless_member',
  'unsupported',
  'unknown_type',
  'service_without_actor',
  'service_without_activity',
  'system_without_activity',
];

afterEach(() => setLocale('en'));

describe('checkName', () => {
  it('says each stage rule check from its measure and window, in either language', () => {
    expect(checkName({ measure: 'active_days', window: 28 })).toBe('active days in the last 28 days');
    expect(checkName({ measure: 'contributor_weeks', window: 12 })).toBe('weeks as Contributor or Core of the last 12');
    setLocale('zh-CN');
    expect(checkName({ measure: 'active_days', window: 28 })).toBe('最近 28 天的活跃天数');
    expect(checkName({ measure: 'pagerank_rank', window: 30 })).toBe('最近 30 天互动图中的 PageRank 排名');
    for (const measure of MEASURES) expect(checkName({ measure, window: 1000 })).not.toMatch(ENGLISH_RUN);
    setLocale('en');
    for (const measure of MEASURES) expect(checkName({ measure, window: 1000 })).toMatch(ENGLISH_RUN);
  });

  it('formats the window in the locale', () => {
    expect(checkName({ measure: 'active_days', window: 1400 })).toBe('active days in the last 1,400 days');
  });
});

describe('skipReason', () => {
  it('says every known skip code in Chinese with the platform’s term kept as written', () => {
    setLocale('zh-CN');
    for (const code of SKIPS) {
      const reason = skipReason({ code, detail: 'pin_message', reason: 'the core’s English words' });
      expect(reason.english).toBe(false);
      expect(reason.text).not.toMatch(ENGLISH_RUN);
    }
    expect(skipReason({ code: 'service_without_activity', detail: 'pin_message', reason: '' }).text).toBe('不含成员活动的服务消息（pin_message）');
  });

  it('falls back to the core’s English reason, marked as English, for a code it does not know', () => {
    setLocale('zh-CN');
    expect(skipReason({ code: 'other', detail: null, reason: 'something new was skipped' })).toEqual({ text: 'something new was skipped', english: true });
  });
});

describe('settingProblemText', () => {
  it('names the setting as the screen labels it and keeps the core’s detail apart', () => {
    const problem = { code: 'bad_value' as const, message: 'setting "health.period_days" cannot take 0: must be at least 1' };
    expect(settingProblemText(problem, 'Period (days)')).toEqual({
      text: 'Period (days) cannot take this value. Enter a number in the allowed range.',
      detail: problem.message,
    });
    setLocale('zh-CN');
    const shown = settingProblemText(problem, '周期（天）');
    expect(shown.text).toBe('“周期（天）”不能取这个值。请输入允许范围内的数字。');
    expect(shown.detail).toBe(problem.message);
    for (const code of ['unknown_key', 'bad_value', 'invalid'] as const) {
      expect(settingProblemText({ code, message: '' }, '周期（天）').text).not.toMatch(ENGLISH_RUN);
    }
    expect(settingProblemText({ code: 'invalid', message: '' }, null).text).toBe('这些设置彼此冲突。请修改详细信息中提到的值，或重置此部分。');
  });
});

describe('evidence', () => {
  it('labels known evidence and formats the numbers in the locale', () => {
    expect(evidenceLine([
      { name: 'silence_days', value: 9.5 },
      { name: 'median_gap_days', value: 2 },
    ])).toBe('Days silent 9.5 · Usual gap (days) 2');
    expect(localNumber(12345.678)).toBe('12,345.68');
    setLocale('zh-CN');
    expect(evidenceLabel('silence_days')).not.toMatch(/[A-Za-z]/);
  });

  it('shows an unknown name as a named measure rather than a raw code', () => {
    expect(evidenceLabel('brand_new_number')).toBe('Measure “brand new number”');
  });
});

describe('errors', () => {
  const error: ApiError = { code: 'bad_archive', message: '/x.json: not JSON (at line 1, column 1)' };

  it('has a headline and what to do for every error code in both languages', () => {
    const codes: ApiError['code'][] = ['not_found', 'invalid_input', 'bad_archive', 'store_too_new', 'store', 'needs_date_order', 'cancelled'];
    for (const code of codes) {
      expect(errorHeadline({ code, message: '' })).not.toBe('');
      setLocale('zh-CN');
      expect(errorHeadline({ code, message: '' })).not.toMatch(ENGLISH_RUN);
      expect(errorHelp({ code, message: '' })).not.toMatch(ENGLISH_RUN);
      setLocale('en');
    }
  });

  it('summarises an error as headline, help and the core’s English detail', () => {
    setLocale('zh-CN');
    const summary = errorSummary(error);
    expect(summary.startsWith('无法读取导出文件。')).toBe(true);
    expect(summary.endsWith('（详细信息，英文：/x.json: not JSON (at line 1, column 1)）')).toBe(true);
  });
});
