import { describe, expect, it } from 'vitest';

import { setLocale } from '../i18n';
import {
  formatCount,
  formatDate,
  formatPeriod,
  formatScore,
  formatSeconds,
  formatShare,
  formatTarget,
  formatUnit,
  formatWeight,
  groupOrigin,
  leverSentence,
  periodDays,
  svgDataUrl,
} from './format';

describe('formatScore', () => {
  it.each([
    [62.4, '62.4'],
    [62.449, '62.4'],
    [62.45001, '62.5'],
    [100, '100.0'],
    [0, '0.0'],
    [null, '—'],
  ])('shows %s as %s', (score, expected) => {
    expect(formatScore(score)).toBe(expected);
  });
});

describe('formatSeconds', () => {
  it.each([
    [0, '0 s'],
    [45, '45 s'],
    [120, '2 min'],
    [240, '4 min'],
    [1800, '30 min'],
    [4320, '1.2 h'],
    [3600 * 5, '5 h'],
    [86400 * 3.5, '3.5 d'],
  ])('shows %s seconds as %s', (seconds, expected) => {
    expect(formatSeconds(seconds)).toBe(expected);
  });
});

describe('formatUnit', () => {
  it('formats shares as percentages, with a decimal only for small ones', () => {
    expect(formatShare(0.63)).toBe('63%');
    expect(formatShare(0.02)).toBe('2%');
    expect(formatShare(0.045)).toBe('4.5%');
    expect(formatUnit(0.8249, 'share')).toBe('82%');
  });

  it('formats ratios with two decimals and members as counts', () => {
    expect(formatUnit(4.2, 'ratio')).toBe('4.20');
    expect(formatUnit(0.123, 'ratio')).toBe('0.12');
    expect(formatUnit(3, 'members')).toBe('3');
    expect(formatUnit(2.5, 'members')).toBe('2.5');
  });

  it('shows a dash for a metric without data', () => {
    expect(formatUnit(null, 'seconds')).toBe('—');
  });
});

describe('formatTarget', () => {
  it('points the comparison the way the metric improves', () => {
    expect(formatTarget({ low: 0.3, high: 0.63, unit: 'share' })).toBe('≥ 63%');
    expect(formatTarget({ low: 1800, high: 120, unit: 'seconds' })).toBe('≤ 2 min');
  });
});

describe('counts, weights and sentences', () => {
  it('groups thousands', () => {
    expect(formatCount(1234567)).toBe('1,234,567');
  });

  it('shows weights as percentages', () => {
    expect(formatWeight(0.25)).toBe('25%');
    expect(formatWeight(0.0526)).toBe('5.3%');
  });

  it('phrases the biggest lever', () => {
    expect(leverSentence('retention7d', 6.04)).toBe('Raising 7-day retention to target would add 6.0 points.');
    expect(leverSentence('reply_latency_p90', 3.21)).toBe('Raising reply latency p90 to target would add 3.2 points.');
    expect(leverSentence('stickiness', 1)).toBe('Raising stickiness (DAU/MAU) to target would add 1.0 points.');
  });

  it('speaks Simplified Chinese when asked, numbers and dates included', () => {
    setLocale('zh-CN');
    try {
      expect(leverSentence('retention7d', 6.04)).toBe('把7 日留存率提高到目标值可增加 6.0 分。');
      expect(groupOrigin({ platform: 'mbox', is_demo: false, is_archive: true })).toBe('邮件列表 导出');
      expect(formatCount(1234567)).toBe('1,234,567');
      expect(formatDate(Date.UTC(2026, 10, 20) / 1000)).toBe('2026年11月20日');
      expect(formatDate(null)).toBe('从未');
      expect(formatSeconds(4680)).toBe('1.3 小时');
    } finally {
      setLocale('en');
    }
  });
});

describe('periods', () => {
  // 2026-11-14 00:00 UTC to 2026-11-21 00:00 UTC (exclusive).
  const start = Date.UTC(2026, 10, 14) / 1000;
  const asOf = Date.UTC(2026, 10, 21) / 1000;

  it('names the first and last day of the period', () => {
    expect(formatPeriod(start, asOf)).toBe('14 Nov – 20 Nov 2026');
    expect(periodDays(start, asOf)).toBe(7);
  });

  it('shows both years when the period spans new year', () => {
    expect(formatPeriod(Date.UTC(2025, 11, 29) / 1000, Date.UTC(2026, 0, 5) / 1000)).toBe('29 Dec 2025 – 4 Jan 2026');
  });
});

describe('svgDataUrl', () => {
  it('base64-encodes UTF-8, so names with any script survive', () => {
    const svg = '<svg xmlns="http://www.w3.org/2000/svg"><text>Café ☕ 炉边</text></svg>';
    const url = svgDataUrl(svg);
    expect(url.startsWith('data:image/svg+xml;base64,')).toBe(true);
    const bytes = Uint8Array.from(atob(url.slice(url.indexOf(',') + 1)), (char) => char.charCodeAt(0));
    expect(new TextDecoder().decode(bytes)).toBe(svg);
  });

  it('handles documents larger than one encoding chunk', () => {
    const svg = `<svg>${'x'.repeat(100_000)}</svg>`;
    expect(atob(svgDataUrl(svg).split(',')[1] ?? '')).toBe(svg);
  });
});

describe('groupOrigin', () => {
  it('names demo data as generated and imports as exports', () => {
    expect(groupOrigin({ platform: 'demo', is_demo: true, is_archive: true })).toBe('Generated sample');
    expect(groupOrigin({ platform: 'telegram', is_demo: false, is_archive: true })).toBe('Telegram export');
    expect(groupOrigin({ platform: 'slack', is_demo: false, is_archive: false })).toBe('Slack');
  });
});
