// Geometry of the line charts the window draws itself (the dashboard's trends): from the
// core's numbers to SVG path data. Missing values break the line.

export interface LineGeometry {
  /** SVG path data ("M x y L x y …"), one move per unbroken run. */
  path: string;
  /** The y-axis range the values were scaled to. */
  min: number;
  max: number;
  /** Round numbers for the y-axis grid, each with its y position. */
  ticks: { value: number; y: number }[];
}

/** A "nice" step (1, 2, 2.5 or 5 × 10^k) of about `range / count`. */
export function niceStep(range: number, count: number): number {
  if (!(range > 0) || count <= 0) return 1;
  const raw = range / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const fraction = raw / magnitude;
  const nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 2.5 ? 2.5 : fraction <= 5 ? 5 : 10;
  return nice * magnitude;
}

/**
 * The line of `values` across `width` × `height`, scaled to [`fixedMin` ?? 0, `fixedMax` ??
 * the largest value rounded up to a nice step].
 */
export function lineGeometry(values: readonly (number | null)[], width: number, height: number, fixedMin = 0, fixedMax: number | null = null): LineGeometry {
  const present = values.filter((value): value is number => value !== null && Number.isFinite(value));
  const largest = present.length > 0 ? Math.max(...present) : 1;
  const step = niceStep((fixedMax ?? largest) - fixedMin, 4);
  const max = fixedMax ?? Math.max(fixedMin + step, Math.ceil(largest / step) * step);
  const min = fixedMin;
  const span = max - min || 1;
  const x = (index: number) => (values.length > 1 ? (index / (values.length - 1)) * width : width / 2);
  const y = (value: number) => height - ((Math.min(max, Math.max(min, value)) - min) / span) * height;
  let path = '';
  let drawing = false;
  values.forEach((value, index) => {
    if (value === null || !Number.isFinite(value)) {
      drawing = false;
      return;
    }
    path += `${drawing ? 'L' : 'M'}${x(index).toFixed(1)} ${y(value).toFixed(1)} `;
    drawing = true;
  });
  const ticks: { value: number; y: number }[] = [];
  for (let value = min; value <= max + step / 1000; value += step) ticks.push({ value, y: y(value) });
  return { path: path.trim(), min, max, ticks };
}
