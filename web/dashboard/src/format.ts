// How the dashboard shows times, sizes and errors.

import { JobApiError, JobNetworkError } from "@jobline/client";

/** DescribeError is an error as one line for the page. */
export function describeError(err: unknown): string {
  if (err instanceof JobApiError) {
    return `${err.message} (${err.code}, HTTP ${err.status})`;
  }
  if (err instanceof JobNetworkError) {
    return "The server did not answer; check that it is running.";
  }
  return err instanceof Error ? err.message : String(err);
}

/** FormatTime shows an API time in the reader's locale; "—" for none. */
export function formatTime(value: string | null): string {
  if (value === null) return "—";
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? value : date.toLocaleString();
}

/** FormatBytes shows a file size. */
export function formatBytes(size: number): string {
  if (size < 1024) return `${size} B`;
  if (size < 1024 * 1024) return `${(size / 1024).toFixed(1)} KiB`;
  return `${(size / (1024 * 1024)).toFixed(1)} MiB`;
}

/** ShortId is the start of a job id, enough to tell jobs apart on a small screen. */
export function shortId(id: string): string {
  return id.length > 8 ? `${id.slice(0, 8)}…` : id;
}
