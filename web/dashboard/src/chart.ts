// The numbers behind the Ops view's charts: each job type's throughput
// (jobs completed or partial) and failures per minute from GET
// /admin/metrics, a scale that rounds up to 1, 2 or 5 times a power of
// ten, and the bars' rectangles. Pure, so that the unit tests check them;
// chartview.ts draws them.

import type { AdminMetrics, MetricName } from "@jobline/client";

/** Totals are a job type's counts over the whole window. */
export interface Totals {
  created: number;
  done: number;
  failed: number;
  deadLettered: number;
  retried: number;
  canceled: number;
}

/** TypeActivity is one job type's per-step counts and totals. */
export interface TypeActivity {
  jobType: string;
  /** Done is, per step, the jobs that completed or ended partial: the throughput. */
  done: number[];
  /** Failed is, per step, the jobs that failed for good. */
  failed: number[];
  totals: Totals;
}

/** The Count metrics behind each total ("done" adds two). */
const TOTALS: Record<keyof Totals, MetricName[]> = {
  created: ["JobsCreated"],
  done: ["JobsCompleted", "JobsPartial"],
  failed: ["JobsFailed"],
  deadLettered: ["JobsDeadLettered"],
  retried: ["JobsRetried"],
  canceled: ["JobsCanceled"],
};

/**
 * ActivityByType sums the report's Count series per job type, in job type
 * order, leaving out the types with nothing in the window. A missing
 * series or a null value counts 0.
 */
export function activityByType(report: AdminMetrics): TypeActivity[] {
  const steps = report.timestamps.length;
  const byType = new Map<string, Map<MetricName, Array<number | null>>>();
  for (const s of report.series) {
    if (s.stat !== "Sum" || s.unit !== "Count") continue;
    let metrics = byType.get(s.jobType);
    if (metrics === undefined) {
      metrics = new Map();
      byType.set(s.jobType, metrics);
    }
    metrics.set(s.metric, s.values);
  }
  const sumOf = (metrics: Map<MetricName, Array<number | null>>, names: MetricName[]): number[] =>
    Array.from({ length: steps }, (_, i) => names.reduce((sum, name) => sum + (metrics.get(name)?.[i] ?? 0), 0));

  const out: TypeActivity[] = [];
  for (const jobType of [...byType.keys()].sort()) {
    const metrics = byType.get(jobType)!;
    const totals = {} as Totals;
    for (const [key, names] of Object.entries(TOTALS) as Array<[keyof Totals, MetricName[]]>) {
      totals[key] = sumOf(metrics, names).reduce((a, b) => a + b, 0);
    }
    if (Object.values(totals).every((n) => n === 0)) continue;
    out.push({ jobType, done: sumOf(metrics, TOTALS.done), failed: sumOf(metrics, TOTALS.failed), totals });
  }
  return out;
}

/**
 * NiceCeiling is the chart's scale for a largest value: the smallest 1, 2
 * or 5 times a power of ten that is at least max (1 when max is 1 or
 * less), so that the axis label is a round number.
 */
export function niceCeiling(max: number): number {
  if (!(max > 1)) return 1;
  const power = 10 ** Math.floor(Math.log10(max));
  for (const step of [1, 2, 5, 10]) {
    // The epsilon keeps 3 / 0.1 style float noise from skipping a step.
    if (step * power >= max - 1e-9) return step * power;
  }
  return 10 * power;
}

/** Bar is one rectangle of a chart, in the SVG's user units. */
export interface Bar {
  index: number;
  value: number;
  x: number;
  y: number;
  width: number;
  height: number;
}

/** BarLayout places a series' bars: up from the baseline, or down from it. */
export interface BarLayout {
  /** Width is the plot's width; each step gets an equal column. */
  width: number;
  /** Baseline is the y of the zero line. */
  baseline: number;
  /** Room is the height from the baseline to the scale's value. */
  room: number;
  scale: number;
  direction: "up" | "down";
}

/** MIN_BAR is the shortest bar drawn, so that a 1 on a scale of 500 still shows. */
export const MIN_BAR = 1;

/** Bars lays out the non-zero values of a series as rectangles. */
export function bars(values: number[], layout: BarLayout): Bar[] {
  if (values.length === 0) return [];
  const column = layout.width / values.length;
  const gap = column * 0.2;
  const out: Bar[] = [];
  values.forEach((value, index) => {
    if (!(value > 0)) return;
    const height = Math.max(MIN_BAR, (Math.min(value, layout.scale) / layout.scale) * layout.room);
    const y = layout.direction === "up" ? layout.baseline - height : layout.baseline;
    out.push({ index, value, x: index * column + gap / 2, y, width: column - gap, height });
  });
  return out;
}

/** Peak is a series' largest value (0 for none). */
export function peak(values: number[]): number {
  return values.reduce((a, b) => Math.max(a, b), 0);
}
