import { describe, expect, it } from 'vitest';

import type { Progress } from '../api/api';
import { estimate, formatBytes, ProgressTracker, RATE_WINDOW_MS } from './progress';

function bytes(done: number, items: number, total = 1_000_000): Progress {
  return { step: 'Reading messages', items, done, total, unit: 'bytes' };
}

describe('estimate', () => {
  it('gives nothing before a second of reports', () => {
    expect(estimate([], 100)).toEqual({ unitsPerSecond: null, itemsPerSecond: null, secondsLeft: null });
    expect(estimate([{ at: 0, done: 10, items: 1 }], 100).secondsLeft).toBeNull();
    expect(estimate([{ at: 0, done: 0, items: 0 }, { at: 999, done: 50, items: 5 }], 100).unitsPerSecond).toBeNull();
  });

  it('measures rates and the time left from the first and last report', () => {
    const result = estimate(
      [
        { at: 1_000, done: 100, items: 10 },
        { at: 3_000, done: 300, items: 50 },
      ],
      1_300,
    );
    expect(result).toEqual({ unitsPerSecond: 100, itemsPerSecond: 20, secondsLeft: 10 });
  });

  it('gives no time left without a total, at the total, or when nothing moved', () => {
    const moving = [
      { at: 0, done: 0, items: 0 },
      { at: 2_000, done: 200, items: 20 },
    ];
    expect(estimate(moving, null).secondsLeft).toBeNull();
    expect(estimate(moving, null).unitsPerSecond).toBe(100);
    expect(estimate(moving, 200).secondsLeft).toBeNull();
    const stuck = [
      { at: 0, done: 50, items: 5 },
      { at: 5_000, done: 50, items: 5 },
    ];
    expect(estimate(stuck, 100).secondsLeft).toBeNull();
  });
});

describe('ProgressTracker', () => {
  it('starts a new measure when the step changes', () => {
    const tracker = new ProgressTracker();
    tracker.record(bytes(0, 0), 0);
    tracker.record(bytes(500_000, 5_000), 2_000);
    expect(tracker.estimate(1_000_000).secondsLeft).toBe(2);
    tracker.record({ step: 'Indexing', items: 5_000, done: 5_000, total: 5_000, unit: 'items' }, 2_500);
    expect(tracker.estimate(5_000)).toEqual({ unitsPerSecond: null, itemsPerSecond: null, secondsLeft: null });
  });

  it('measures over the recent window only, so a slow start does not linger', () => {
    const tracker = new ProgressTracker();
    tracker.record(bytes(0, 0), 0);
    tracker.record(bytes(1_000, 10), 30_000);
    for (let second = 31; second <= 30 + RATE_WINDOW_MS / 1000 + 5; second += 1) {
      tracker.record(bytes(1_000 + (second - 30) * 10_000, 10 + (second - 30) * 100), second * 1000);
    }
    expect(tracker.estimate(1_000_000).unitsPerSecond).toBeCloseTo(10_000, 0);
  });
});

describe('formatBytes', () => {
  it('uses decimal units with one digit below 100', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(4_200_000)).toBe('4.2 MB');
    expect(formatBytes(123_000_000)).toBe('123 MB');
    expect(formatBytes(2_500_000_000)).toBe('2.5 GB');
  });
});
