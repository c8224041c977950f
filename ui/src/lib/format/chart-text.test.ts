import { afterEach, describe, expect, it } from 'vitest';

import { setLocale } from '../i18n';
import { chartText, localiseChart } from './chart-text';
// Charts the core drew for the demo community (`hearth heatmap 1 first-minutes --svg`, and transitions).
import firstMinutes from './fixtures/first-minutes.svg?raw';
import transitions from './fixtures/transitions.svg?raw';

/** The texts of an SVG's <text> elements, trimmed. */
function texts(svg: string): string[] {
  const document = new DOMParser().parseFromString(svg, 'image/svg+xml');
  return Array.from(document.getElementsByTagName('text')).map((element) => (element.textContent ?? '').trim());
}

/** Three or more Latin words in a row (see core-text.test.ts). */
const ENGLISH_RUN = /(?<![\w./-])[("'“‘]*[A-Za-z]{2,}[)"'”’,.;:!?]*(?:\s+[("'“‘]*[A-Za-z]{2,}[)"'”’,.;:!?]*){2,}(?![\w/-])/;
const GROUP = 'Makers Guild (demo)';

afterEach(() => setLocale('en'));

describe('localiseChart', () => {
  it('leaves the core’s chart as drawn in English', () => {
    expect(localiseChart(transitions)).toBe(transitions);
  });

  it.each([
    ['first minutes', firstMinutes],
    ['transitions', transitions],
  ])('says every word of the %s chart in Chinese and keeps the numbers and the group name', (_name, svg) => {
    setLocale('zh-CN');
    const before = texts(svg);
    const after = texts(localiseChart(svg));
    expect(after).toHaveLength(before.length);
    for (const [index, text] of after.entries()) {
      // Every text with a Latin letter changed, every other text (numbers) is as drawn.
      if (/[A-Za-z]/.test(before[index]!)) expect(text).not.toBe(before[index]);
      else expect(text).toBe(before[index]);
      expect(text.split(GROUP).join('')).not.toMatch(/[A-Za-z]{2,}/);
    }
    expect(after.some((text) => text.endsWith(`（${GROUP}）`))).toBe(true);
  });

  it('keeps a group name full of markup as text', () => {
    setLocale('zh-CN');
    const svg = `<svg xmlns="http://www.w3.org/2000/svg"><text>Weekly active members — &lt;img src=x onerror=alert(1)&gt;</text></svg>`;
    const localised = localiseChart(svg);
    expect(texts(localised)).toEqual(['每周活跃成员（<img src=x onerror=alert(1)>）']);
    expect(localised).not.toContain('<img');
  });
});

describe('chartText', () => {
  it('names months, bins, stages and titles with their numbers in Chinese', () => {
    setLocale('zh-CN');
    expect(chartText('Nov 2023')).toBe('2023年11月');
    expect(chartText('60–120 s')).toBe('60–120 秒');
    expect(chartText('contributor')).toBe('贡献者');
    expect(chartText("Newcomers' first minutes (1895 joins)")).toBe('新成员的最初几分钟（1,895 次加入）');
    expect(chartText('Stage transitions, weeks of 2026-10-05 to 2026-10-26')).toBe('阶段转换：2026-10-05 至 2026-10-26 各周');
    for (const label of ['No activity yet', 'week (UTC)', 'active members', 'active members per week']) expect(chartText(label)).not.toMatch(ENGLISH_RUN);
  });

  it('leaves a text it does not know as it is', () => {
    setLocale('zh-CN');
    expect(chartText('42')).toBe('42');
    expect(chartText('Something the core added later')).toBe('Something the core added later');
  });
});
