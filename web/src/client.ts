// JobClient: the typed client of Jobline's HTTP API, for browsers and Node
// (anything with `fetch` and `AbortSignal`).

import { JobApiError, JobCanceledError, JobFailedError } from "./errors.js";
import type { ApiErrorBody, Asset, AssetList, CreateJobRequest, Job, JobPage, JobStatus } from "./types.js";

/** FetchFunction is the subset of `fetch` the client uses; inject a fake in tests. */
export type FetchFunction = (input: string, init: RequestInit) => Promise<Response>;

/** HeaderMap is a set of extra request headers. */
export type HeaderMap = Record<string, string>;

/** JobClientOptions configures a JobClient. */
export interface JobClientOptions {
  /**
   * BaseUrl is prepended to every path, for example
   * "https://abc.execute-api.eu-west-1.amazonaws.com". Default "": paths are
   * relative to the page, which suits the dashboard served by the API host.
   */
  baseUrl?: string;
  /** Fetch sends the requests. Default: the global `fetch`. */
  fetch?: FetchFunction;
  /**
   * GetToken returns the JWT for `Authorization: Bearer <token>` (API
   * Gateway's JWT authorizer). Called before every request, so a provider
   * can refresh it. Null or undefined sends no Authorization header.
   */
  getToken?: () => string | null | undefined | Promise<string | null | undefined>;
  /**
   * GetHeaders returns extra headers for every request, for example
   * `{"X-User-Id": "demo-user"}` against the dev server.
   */
  getHeaders?: () => HeaderMap | Promise<HeaderMap>;
}

/** RequestOptions are the options every call takes. */
export interface RequestOptions {
  /** Signal aborts the request; the call rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** CreateJobOptions are the options of createJob. */
export interface CreateJobOptions extends RequestOptions {
  /**
   * IdempotencyKey makes a retried create safe: a replay with the same body
   * returns the same job; the same key with a different body is rejected
   * with a JobApiError of code "idempotency_conflict".
   */
  idempotencyKey?: string;
}

/** ListJobsOptions filter and page GET /jobs. */
export interface ListJobsOptions extends RequestOptions {
  status?: JobStatus;
  jobType?: string;
  /** Limit is the page size, 1..100; the server's default is 20. */
  limit?: number;
  /** Cursor is a page's nextCursor, to fetch the page after it. */
  cursor?: string | null;
}

/** PollOptions configure pollJob. */
export interface PollOptions extends RequestOptions {
  /**
   * OnProgress is called with the job after every answer that changed it
   * (the first answer included), so a progress bar can follow it. It is not
   * called for a 304 Not Modified.
   */
  onProgress?: (job: Job) => void;
  /** InitialDelayMs is the wait after the first read. Default 250. */
  initialDelayMs?: number;
  /** Multiplier grows the wait after every read. Default 1.5. */
  multiplier?: number;
  /** MaxDelayMs caps the wait between reads. Default 3000. */
  maxDelayMs?: number;
  /**
   * MaxConsecutiveErrors is how many transient failures in a row (network
   * errors, 429, 502, 503, 504) are retried before pollJob rejects with the
   * last one. Default 5.
   */
  maxConsecutiveErrors?: number;
}

/** ConditionalJob is the answer of getJobIfChanged. */
export interface ConditionalJob {
  /** Job is the job read, or null when the server answered 304 Not Modified. */
  job: Job | null;
  /** Etag is the job's ETag (the one sent, after a 304). */
  etag: string | null;
  /** RetryAfterMs is the server's Retry-After in milliseconds, 0 when absent. */
  retryAfterMs: number;
}

const DEFAULT_INITIAL_DELAY_MS = 250;
const DEFAULT_MULTIPLIER = 1.5;
const DEFAULT_MAX_DELAY_MS = 3000;
const DEFAULT_MAX_CONSECUTIVE_ERRORS = 5;

/** Statuses worth retrying while polling: the server or a proxy is busy. */
const TRANSIENT_STATUSES = new Set([429, 502, 503, 504]);

/**
 * JobClient calls Jobline's HTTP API. Every method rejects with a
 * JobApiError for an error answer, and with the signal's reason when
 * aborted.
 */
export class JobClient {
  private readonly baseUrl: string;
  private readonly fetchFn: FetchFunction;
  private readonly getToken: JobClientOptions["getToken"];
  private readonly getHeaders: JobClientOptions["getHeaders"];

  constructor(options: JobClientOptions = {}) {
    this.baseUrl = (options.baseUrl ?? "").replace(/\/+$/, "");
    // Bound so that a browser's fetch is not called with the client as `this`.
    this.fetchFn = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.getToken = options.getToken;
    this.getHeaders = options.getHeaders;
  }

  /** CreateJob records a job and queues it; it resolves with the new (or replayed) job. */
  async createJob(request: CreateJobRequest, options: CreateJobOptions = {}): Promise<Job> {
    const headers: HeaderMap = { "Content-Type": "application/json" };
    if (options.idempotencyKey !== undefined) {
      headers["Idempotency-Key"] = options.idempotencyKey;
    }
    const response = await this.send("POST", "/jobs", {
      headers,
      body: JSON.stringify(request),
      signal: options.signal,
    });
    return readJson<Job>(response);
  }

  /** GetJob reads one job. */
  async getJob(jobId: string, options: RequestOptions = {}): Promise<Job> {
    const response = await this.send("GET", jobPath(jobId), { signal: options.signal });
    return readJson<Job>(response);
  }

  /**
   * GetJobIfChanged reads a job with If-None-Match: when the job still has
   * the ETag `etag`, the server answers 304 and `job` is null.
   */
  async getJobIfChanged(jobId: string, etag: string | null, options: RequestOptions = {}): Promise<ConditionalJob> {
    const headers: HeaderMap = {};
    if (etag !== null) {
      headers["If-None-Match"] = etag;
    }
    const response = await this.send("GET", jobPath(jobId), {
      headers,
      signal: options.signal,
      // The browser's HTTP cache must not answer for us: we keep the job.
      cache: "no-store",
      allowNotModified: true,
    });
    const retryAfterMs = parseRetryAfter(response.headers.get("Retry-After"));
    if (response.status === 304) {
      return { job: null, etag: response.headers.get("ETag") ?? etag, retryAfterMs };
    }
    const job = await readJson<Job>(response);
    return { job, etag: response.headers.get("ETag"), retryAfterMs };
  }

  /** GetJobAssets lists the files a job produced. */
  async getJobAssets(jobId: string, options: RequestOptions = {}): Promise<Asset[]> {
    const response = await this.send("GET", `${jobPath(jobId)}/assets`, { signal: options.signal });
    const body = await readJson<AssetList>(response);
    return body.assets;
  }

  /** ListJobs reads one page of the caller's jobs, newest first. */
  async listJobs(options: ListJobsOptions = {}): Promise<JobPage> {
    const query = new URLSearchParams();
    if (options.status !== undefined) query.set("status", options.status);
    if (options.jobType !== undefined) query.set("jobType", options.jobType);
    if (options.limit !== undefined) query.set("limit", String(options.limit));
    if (options.cursor !== undefined && options.cursor !== null) query.set("cursor", options.cursor);
    const search = query.toString();
    const response = await this.send("GET", search === "" ? "/jobs" : `/jobs?${search}`, { signal: options.signal });
    return readJson<JobPage>(response);
  }

  /**
   * IterateJobs yields every job matching the filter, newest first, reading
   * the pages one at a time as the loop asks for more.
   */
  async *iterateJobs(options: Omit<ListJobsOptions, "cursor"> = {}): AsyncGenerator<Job, void, undefined> {
    let cursor: string | null = null;
    do {
      const page: JobPage = await this.listJobs({ ...options, cursor });
      yield* page.jobs;
      cursor = page.nextCursor;
    } while (cursor !== null);
  }

  /**
   * CancelJob cancels a queued or running job and resolves with it; a job
   * that already ended rejects with code "invalid_transition" (409).
   */
  async cancelJob(jobId: string, options: RequestOptions = {}): Promise<Job> {
    const response = await this.send("POST", `${jobPath(jobId)}/cancel`, { signal: options.signal });
    return readJson<Job>(response);
  }

  /**
   * PollJob follows a job until it ends. It resolves with the job when it
   * ends completed or partial, and rejects with JobFailedError (carrying the
   * server's errorMessage) when it ends failed, JobCanceledError when it
   * ends canceled, a JobApiError for a non-transient error answer (such as
   * 404), and the signal's reason as soon as the signal aborts (the request
   * in flight is aborted too).
   *
   * It reads the job at once, then waits initialDelayMs, growing the wait
   * by multiplier up to maxDelayMs. Reads send If-None-Match, so an
   * unchanged job costs a 304 with no body. A Retry-After header (seconds
   * or an HTTP date) is a minimum for the next wait.
   */
  async pollJob(jobId: string, options: PollOptions = {}): Promise<Job> {
    const { signal, onProgress } = options;
    const multiplier = options.multiplier ?? DEFAULT_MULTIPLIER;
    const maxDelayMs = options.maxDelayMs ?? DEFAULT_MAX_DELAY_MS;
    const maxErrors = options.maxConsecutiveErrors ?? DEFAULT_MAX_CONSECUTIVE_ERRORS;
    let delayMs = options.initialDelayMs ?? DEFAULT_INITIAL_DELAY_MS;
    let job: Job | null = null;
    let etag: string | null = null;
    let errors = 0;

    for (;;) {
      signal?.throwIfAborted();
      let minDelayMs = 0;
      let answer: ConditionalJob | null = null;
      try {
        answer = await this.getJobIfChanged(jobId, job === null ? null : etag, { signal });
        errors = 0;
      } catch (err) {
        if (signal?.aborted) {
          throw signal.reason;
        }
        errors++;
        if (!isTransient(err) || errors >= maxErrors) {
          throw err;
        }
        if (err instanceof JobApiError) {
          minDelayMs = err.retryAfterMs;
        }
      }
      if (answer !== null) {
        minDelayMs = answer.retryAfterMs;
        if (answer.job !== null) {
          job = answer.job;
          etag = answer.etag;
          onProgress?.(job);
        }
        if (job !== null) {
          switch (job.status) {
            case "completed":
            case "partial":
              return job;
            case "failed":
              throw new JobFailedError(job);
            case "canceled":
              throw new JobCanceledError(job);
            default:
              break;
          }
        }
      }
      await sleep(Math.max(delayMs, minDelayMs), signal);
      delayMs = Math.min(delayMs * multiplier, maxDelayMs);
    }
  }

  /** Send makes one request with the auth headers; an error answer rejects with JobApiError. */
  private async send(
    method: string,
    path: string,
    options: {
      headers?: HeaderMap;
      body?: string;
      signal?: AbortSignal | undefined;
      cache?: RequestCache;
      allowNotModified?: boolean;
    },
  ): Promise<Response> {
    const headers: HeaderMap = { Accept: "application/json" };
    if (this.getHeaders !== undefined) {
      Object.assign(headers, await this.getHeaders());
    }
    if (this.getToken !== undefined) {
      const token = await this.getToken();
      if (token !== null && token !== undefined && token !== "") {
        headers["Authorization"] = `Bearer ${token}`;
      }
    }
    Object.assign(headers, options.headers);
    options.signal?.throwIfAborted();

    const init: RequestInit = { method, headers };
    if (options.body !== undefined) init.body = options.body;
    if (options.signal !== undefined) init.signal = options.signal;
    if (options.cache !== undefined) init.cache = options.cache;
    const response = await this.fetchFn(`${this.baseUrl}${path}`, init);
    if (response.ok || (options.allowNotModified === true && response.status === 304)) {
      return response;
    }
    throw await toApiError(response);
  }
}

/** JobPath is the path of one job; the id is escaped so it cannot change the route. */
function jobPath(jobId: string): string {
  return `/jobs/${encodeURIComponent(jobId)}`;
}

/** ReadJson parses a success body, turning a malformed one into a JobApiError. */
async function readJson<T>(response: Response): Promise<T> {
  const text = await response.text();
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new JobApiError(response.status, "invalid_response", `invalid JSON in the ${response.status} answer`);
  }
}

/**
 * ToApiError maps an error answer to a JobApiError: the API's own
 * `{"error": {"code", "message"}}` when the body is one, otherwise
 * `http_<status>` with the body text (or the status line) as the message.
 */
export async function toApiError(response: Response): Promise<JobApiError> {
  const retryAfterMs = parseRetryAfter(response.headers.get("Retry-After"));
  let text = "";
  try {
    text = await response.text();
  } catch {
    // The body is lost (for example the connection dropped); the status still tells.
  }
  const apiError = parseApiErrorBody(text);
  if (apiError !== null) {
    return new JobApiError(response.status, apiError.error.code, apiError.error.message, retryAfterMs);
  }
  const snippet = text.trim().slice(0, 200);
  const message = snippet !== "" ? snippet : `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ""}`;
  return new JobApiError(response.status, `http_${response.status}`, message, retryAfterMs);
}

function parseApiErrorBody(text: string): ApiErrorBody | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== "object" || value === null) return null;
  const error = (value as { error?: unknown }).error;
  if (typeof error !== "object" || error === null) return null;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code !== "string" || typeof message !== "string") return null;
  return { error: { code, message } };
}

/**
 * ParseRetryAfter turns a Retry-After header (delay seconds or an HTTP
 * date) into milliseconds from now; 0 when absent, malformed or past.
 */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number {
  if (value === null) return 0;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) {
    return Number(trimmed) * 1000;
  }
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return 0;
  return Math.max(0, at - now);
}

/** IsTransient tells errors that a poll should retry: network failures and busy answers. */
function isTransient(err: unknown): boolean {
  if (err instanceof JobApiError) {
    return TRANSIENT_STATUSES.has(err.status);
  }
  // fetch rejects with a TypeError when the network fails.
  return err instanceof TypeError;
}

/** Sleep waits ms milliseconds, rejecting with the signal's reason the moment it aborts. */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
