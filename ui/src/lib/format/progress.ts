// Rate and time left of long work, from the progress reports seen so far. Pure: the caller
// passes the clock's readings, so every rule is covered by progress.test.ts. Time left is
// only given when it can be known honestly: a known total, a rate measured over at least a
// second, and the work not yet at its total (a last step such as indexing has no measure).

import type { Progress, ProgressUnit } from '../api/api';

/** One progress report and when it arrived (milliseconds, any monotonic clock). */
export interface Sample {
  at: number;
  done: number;
  items: number;
}

export interface Estimate {
  /** `done` units (bytes, files, items) per second, or null before it can be measured. */
  unitsPerSecond: number | null;
  itemsPerSecond: number | null;
  secondsLeft: number | null;
}

/** Rates are measured over the reports of this many last milliseconds. */
export const RATE_WINDOW_MS = 10_000;
/** No rate before this much time has been observed. */
const MIN_SPAN_MS = 1_000;

export class ProgressTracker {
  private samples: Sample[] = [];
  private key = '';

  /** Records a report; a new step or unit starts a new measure (its speed differs). */
  record(progress: Progress, at: number): void {
    const key = `${progress.step}\u0000${progress.unit}`;
    if (key !== this.key) {
      this.key = key;
      this.samples = [];
    }
    this.samples.push({ at, done: progress.done, items: progress.items });
    while (this.samples.length > 2 && at - (this.samples[1]?.at ?? at) >= RATE_WINDOW_MS) this.samples.shift();
  }

  estimate(total: number | null): Estimate {
    return estimate(this.samples, total);
  }
}

export function estimate(samples: readonly Sample[], total: number | null): Estimate {
  const none: Estimate = { unitsPerSecond: null, itemsPerSecond: null, secondsLeft: null };
  const first = samples[0];
  const last = samples[samples.length - 1];
  if (samples.length < 2 || first === undefined || last === undefined) return none;
  const span = last.at - first.at;
  if (span < MIN_SPAN_MS) return none;
  const seconds = span / 1000;
  const unitsPerSecond = Math.max(0, last.done - first.done) / seconds;
  const itemsPerSecond = Math.max(0, last.items - first.items) / seconds;
  const secondsLeft = total !== null && unitsPerSecond > 0 && last.done < total ? (total - last.done) / unitsPerSecond : null;
  return { unitsPerSecond, itemsPerSecond, secondsLeft };
}

const BYTE_UNITS = ['B', 'kB', 'MB', 'GB', 'TB'];

/** Bytes in decimal units as a person reads them ("512 B", "4.2 MB"). */
export function formatBytes(bytes: number): string {
  let value = Math.max(0, bytes);
  let unit = 0;
  while (value >= 1000 && unit < BYTE_UNITS.length - 1) {
    value /= 1000;
    unit += 1;
  }
  const digits = unit === 0 || value >= 100 ? 0 : 1;
  return `${value.toFixed(digits)} ${BYTE_UNITS[unit]}`;
}
