// Draws the Ops view's charts as hand-made SVG: one small chart per job
// type, throughput (jobs done) as bars up from the middle line and
// failures as bars down, on one round scale per chart. Each chart is an
// image with a title and a description of its totals, and has a table of
// its minutes with any activity for screen readers and exact numbers.

import type { AdminMetrics } from "@jobline/client";

import { activityByType, bars, niceCeiling, peak, type TypeActivity } from "./chart.js";
import { formatMinute, plural } from "./opsformat.js";

const SVG = "http://www.w3.org/2000/svg";
/** The plot's user units; the SVG stretches to its box (preserveAspectRatio none). */
const WIDTH = 600;
const HEIGHT = 100;
const BASELINE = HEIGHT / 2;
const ROOM = HEIGHT / 2 - 2;

/** RenderCharts replaces container's children with a chart per job type with activity in the report. */
export function renderCharts(container: HTMLElement, report: AdminMetrics): void {
  const activity = activityByType(report);
  const minutes = Math.round((report.timestamps.length * report.stepSeconds) / 60);
  if (activity.length === 0) {
    const empty = document.createElement("p");
    empty.className = "empty";
    empty.dataset["testid"] = "charts-empty";
    empty.textContent = `No jobs in the last ${plural(minutes, "minute")}.`;
    container.replaceChildren(empty);
    return;
  }
  container.replaceChildren(...activity.map((a, i) => chartFigure(a, i, report, minutes)));
}

/** ChartFigure is one job type's chart, caption, axes and table. */
function chartFigure(a: TypeActivity, index: number, report: AdminMetrics, minutes: number): HTMLElement {
  const figure = document.createElement("figure");
  figure.className = "chart";
  figure.dataset["testid"] = "chart";
  figure.dataset["jobType"] = a.jobType;
  const scale = niceCeiling(Math.max(peak(a.done), peak(a.failed)));

  const caption = document.createElement("figcaption");
  const name = document.createElement("strong");
  name.textContent = a.jobType;
  const totals = document.createElement("span");
  totals.className = "totals";
  totals.dataset["testid"] = "chart-totals";
  totals.textContent = describeTotals(a);
  caption.append(name, " ", totals);

  const body = document.createElement("div");
  body.className = "chart-body";
  const axis = document.createElement("div");
  axis.className = "chart-scale";
  axis.setAttribute("aria-hidden", "true");
  for (const label of [String(scale), "0", String(scale)]) {
    const span = document.createElement("span");
    span.textContent = label;
    axis.append(span);
  }
  body.append(axis, chartSvg(a, index, report, scale, minutes));

  const time = document.createElement("div");
  time.className = "chart-time";
  time.setAttribute("aria-hidden", "true");
  const from = document.createElement("span");
  from.textContent = formatMinute(report.start);
  const to = document.createElement("span");
  to.textContent = "now";
  time.append(from, to);

  figure.append(caption, body, time, chartTable(a, report));
  return figure;
}

/** DescribeTotals is a chart's totals in words. */
export function describeTotals(a: TypeActivity): string {
  const t = a.totals;
  const parts = [`${t.created} created`, `${t.done} done`, `${t.failed} failed`, `${t.deadLettered} dead-lettered`];
  if (t.retried > 0) parts.push(`${t.retried} retried`);
  if (t.canceled > 0) parts.push(`${t.canceled} canceled`);
  return parts.join(" · ");
}

function chartSvg(a: TypeActivity, index: number, report: AdminMetrics, scale: number, minutes: number): SVGSVGElement {
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", `0 0 ${WIDTH} ${HEIGHT}`);
  svg.setAttribute("preserveAspectRatio", "none");
  svg.setAttribute("role", "img");
  const titleId = `chart-${index}-title`;
  const descId = `chart-${index}-desc`;
  svg.setAttribute("aria-labelledby", `${titleId} ${descId}`);
  const title = document.createElementNS(SVG, "title");
  title.id = titleId;
  title.textContent = `${a.jobType}: jobs done (up) and failed (down) per minute, last ${plural(minutes, "minute")}`;
  const desc = document.createElementNS(SVG, "desc");
  desc.id = descId;
  desc.textContent = `${plural(a.totals.done, "job")} done, at most ${peak(a.done)} in a minute; ${plural(a.totals.failed, "job")} failed, at most ${peak(a.failed)} in a minute. Scale: ${scale} per minute.`;
  const line = document.createElementNS(SVG, "line");
  line.setAttribute("class", "axis");
  line.setAttribute("x1", "0");
  line.setAttribute("x2", String(WIDTH));
  line.setAttribute("y1", String(BASELINE));
  line.setAttribute("y2", String(BASELINE));
  line.setAttribute("vector-effect", "non-scaling-stroke");
  svg.append(title, desc, line);
  for (const [values, direction, cls, word] of [
    [a.done, "up", "done", "done"],
    [a.failed, "down", "failed", "failed"],
  ] as const) {
    const group = document.createElementNS(SVG, "g");
    group.setAttribute("class", cls);
    group.dataset["testid"] = `bars-${cls}`;
    for (const bar of bars(values, { width: WIDTH, baseline: BASELINE, room: ROOM, scale, direction })) {
      const rect = document.createElementNS(SVG, "rect");
      rect.setAttribute("x", bar.x.toFixed(2));
      rect.setAttribute("y", bar.y.toFixed(2));
      rect.setAttribute("width", bar.width.toFixed(2));
      rect.setAttribute("height", bar.height.toFixed(2));
      rect.dataset["value"] = String(bar.value);
      const tip = document.createElementNS(SVG, "title");
      tip.textContent = `${formatMinute(report.timestamps[bar.index] ?? null)}: ${bar.value} ${word}`;
      rect.append(tip);
      group.append(rect);
    }
    svg.append(group);
  }
  return svg;
}

/** ChartTable is the chart's data as a table: each minute with any activity. */
function chartTable(a: TypeActivity, report: AdminMetrics): HTMLElement {
  const details = document.createElement("details");
  const summary = document.createElement("summary");
  summary.textContent = `${a.jobType}: the numbers`;
  const table = document.createElement("table");
  table.className = "chart-table";
  table.dataset["testid"] = "chart-table";
  const head = table.createTHead().insertRow();
  for (const text of ["Minute", "Done", "Failed"]) {
    const th = document.createElement("th");
    th.scope = "col";
    th.textContent = text;
    head.append(th);
  }
  const body = table.createTBody();
  report.timestamps.forEach((at, i) => {
    const done = a.done[i] ?? 0;
    const failed = a.failed[i] ?? 0;
    if (done === 0 && failed === 0) return;
    const row = body.insertRow();
    const th = document.createElement("th");
    th.scope = "row";
    th.textContent = formatMinute(at);
    row.append(th);
    row.insertCell().textContent = String(done);
    row.insertCell().textContent = String(failed);
  });
  if (body.rows.length === 0) {
    const cell = body.insertRow().insertCell();
    cell.colSpan = 3;
    cell.textContent = "No job done or failed; see the totals.";
  }
  details.append(summary, table);
  return details;
}
