// JobClient: the typed client of Jobline's HTTP API, for browsers and Node
// (anything with `fetch` and `AbortSignal`). Its signatures are a superset
// of the specification's seed client: `new JobClient("/api")`,
// `createJob` resolving `{jobId, ...}`, `getJobAssets` resolving
// `{assets}`, `pollJob(id, onProgress, intervalMs)` and the `jobClient`
// instance all work as the seed's do.

import { JobApiError, JobCanceledError, JobFailedError, JobNetworkError } from "./errors.js";
import type {
  ApiErrorBody,
  AssetList,
  CreatedJob,
  CreateJobRequest,
  Job,
  JobPage,
  JobStatus,
  JobTypeList,
  JsonObject,
  JsonValue,
} from "./types.js";

/** FetchFunction is the subset of `fetch` the client uses; inject a fake in tests. */
export type FetchFunction = (input: string, init: RequestInit) => Promise<Response>;

/** HeaderMap is a set of extra request headers. */
export type HeaderMap = Record<string, string>;

/** DEFAULT_BASE_URL is where the client finds the API unless told: the seed's "/api". */
export const DEFAULT_BASE_URL = "/api";

/** JobClientOptions configures a JobClient. */
export interface JobClientOptions {
  /**
   * BaseUrl is prepended to every path. Default "/api" (the seed's): the
   * API on the page's own host under /api, as the dev server serves it.
   * In AWS, the stack's ApiUrl, such as
   * "https://abc.execute-api.eu-west-1.amazonaws.com".
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

/** ProgressCallback receives the job after every answer that changed it. */
export type ProgressCallback<P extends object = JsonObject, R = JsonValue> = (job: Job<P, R>) => void;

/** PollOptions configure pollJob. */
export interface PollOptions<P extends object = JsonObject, R = JsonValue> extends RequestOptions {
  /**
   * OnProgress is called with the job after every answer that changed it
   * (the first answer included), so a progress bar can follow it. It is not
   * called for a 304 Not Modified.
   */
  onProgress?: ProgressCallback<P, R>;
  /**
   * IntervalMs is the wait between reads when the server sends no
   * Retry-After. Default 2000 (the seed's). A server's Retry-After wins
   * over it: the server knows when the job will have changed.
   */
  intervalMs?: number;
  /**
   * MaxConsecutiveErrors is how many transient failures in a row (network
   * errors, 429, 502, 503, 504) are retried before pollJob rejects with the
   * last one. Default 5.
   */
  maxConsecutiveErrors?: number;
}

/** ConditionalJob is the answer of getJobIfChanged. */
export interface ConditionalJob<P extends object = JsonObject, R = JsonValue> {
  /** Job is the job read, or null when the server answered 304 Not Modified. */
  job: Job<P, R> | null;
  /** Etag is the job's ETag (the one sent, after a 304). */
  etag: string | null;
  /** RetryAfterMs is the server's Retry-After in milliseconds, null when it sent none. */
  retryAfterMs: number | null;
}

/** POLL_INTERVAL_MS is pollJob's wait between reads when the server gives no Retry-After. */
export const POLL_INTERVAL_MS = 2000;
/** MIN_RETRY_AFTER_MS and MAX_RETRY_AFTER_MS clamp the server's Retry-After while polling. */
export const MIN_RETRY_AFTER_MS = 1000;
export const MAX_RETRY_AFTER_MS = 30_000;
const DEFAULT_MAX_CONSECUTIVE_ERRORS = 5;

/** Statuses worth retrying while polling: the server or a proxy is busy. */
const TRANSIENT_STATUSES = new Set([429, 502, 503, 504]);

/**
 * JobClient calls Jobline's HTTP API. Every method rejects with a
 * JobApiError for an error answer, a JobNetworkError when no answer came,
 * and with the signal's reason when aborted.
 */
export class JobClient {
  private readonly baseUrl: string;
  private readonly fetchFn: FetchFunction;
  private readonly getToken: JobClientOptions["getToken"];
  private readonly getHeaders: JobClientOptions["getHeaders"];

  /**
   * Constructor takes the base URL (the seed's form, default "/api") or
   * the options.
   */
  constructor(options: string | JobClientOptions = {}) {
    const opts: JobClientOptions = typeof options === "string" ? { baseUrl: options } : options;
    this.baseUrl = (opts.baseUrl ?? DEFAULT_BASE_URL).replace(/\/+$/, "");
    // Bound so that a browser's fetch is not called with the client as `this`.
    this.fetchFn = opts.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.getToken = opts.getToken;
    this.getHeaders = opts.getHeaders;
  }

  /**
   * CreateJob records a job and queues it; it resolves with the new (or
   * replayed) job, its id also as `jobId`.
   */
  async createJob<P extends object = JsonObject, R = JsonValue>(
    request: CreateJobRequest<P>,
    options: CreateJobOptions = {},
  ): Promise<CreatedJob<P, R>> {
    const headers: HeaderMap = { "Content-Type": "application/json" };
    if (options.idempotencyKey !== undefined) {
      headers["Idempotency-Key"] = options.idempotencyKey;
    }
    const response = await this.send("POST", "/jobs", {
      headers,
      body: JSON.stringify(request),
      signal: options.signal,
    });
    const job = await readJson<Job<P, R>>(response);
    return { ...job, jobId: job.id };
  }

  /** GetJob reads one job. */
  async getJob<P extends object = JsonObject, R = JsonValue>(jobId: string, options: RequestOptions = {}): Promise<Job<P, R>> {
    const response = await this.send("GET", jobPath(jobId), { signal: options.signal });
    return readJson<Job<P, R>>(response);
  }

  /**
   * GetJobIfChanged reads a job with If-None-Match: when the job still has
   * the ETag `etag`, the server answers 304 and `job` is null.
   */
  async getJobIfChanged<P extends object = JsonObject, R = JsonValue>(
    jobId: string,
    etag: string | null,
    options: RequestOptions = {},
  ): Promise<ConditionalJob<P, R>> {
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
    const job = await readJson<Job<P, R>>(response);
    return { job, etag: response.headers.get("ETag"), retryAfterMs };
  }

  /** GetJobAssets lists the files a job produced, oldest first: `{assets}`. */
  async getJobAssets(jobId: string, options: RequestOptions = {}): Promise<AssetList> {
    const response = await this.send("GET", `${jobPath(jobId)}/assets`, { signal: options.signal });
    return readJson<AssetList>(response);
  }

  /** ListJobs reads one page of the caller's jobs, newest first. */
  async listJobs<P extends object = JsonObject, R = JsonValue>(options: ListJobsOptions = {}): Promise<JobPage<P, R>> {
    const query = new URLSearchParams();
    if (options.status !== undefined) query.set("status", options.status);
    if (options.jobType !== undefined) query.set("jobType", options.jobType);
    if (options.limit !== undefined) query.set("limit", String(options.limit));
    if (options.cursor !== undefined && options.cursor !== null) query.set("cursor", options.cursor);
    const search = query.toString();
    const response = await this.send("GET", search === "" ? "/jobs" : `/jobs?${search}`, { signal: options.signal });
    return readJson<JobPage<P, R>>(response);
  }

  /**
   * IterateJobs yields every job matching the filter, newest first, reading
   * the pages one at a time as the loop asks for more.
   */
  async *iterateJobs<P extends object = JsonObject, R = JsonValue>(
    options: Omit<ListJobsOptions, "cursor"> = {},
  ): AsyncGenerator<Job<P, R>, void, undefined> {
    let cursor: string | null = null;
    do {
      const page: JobPage<P, R> = await this.listJobs<P, R>({ ...options, cursor });
      yield* page.jobs;
      cursor = page.nextCursor;
    } while (cursor !== null);
  }

  /**
   * CancelJob cancels a queued or running job and resolves with it; a job
   * that already ended rejects with code "invalid_transition" (409).
   */
  async cancelJob<P extends object = JsonObject, R = JsonValue>(jobId: string, options: RequestOptions = {}): Promise<Job<P, R>> {
    const response = await this.send("POST", `${jobPath(jobId)}/cancel`, { signal: options.signal });
    return readJson<Job<P, R>>(response);
  }

  /** ListJobTypes lists the job types the server runs, with their parameter fields: `{jobTypes}`. */
  async listJobTypes(options: RequestOptions = {}): Promise<JobTypeList> {
    const response = await this.send("GET", "/job-types", { signal: options.signal });
    return readJson<JobTypeList>(response);
  }

  /**
   * PollJob follows a job until it ends. It resolves with the job when it
   * ends completed or partial, and rejects with JobFailedError (carrying the
   * server's errorMessage) when it ends failed, JobCanceledError when it
   * ends canceled, a JobApiError for a non-transient error answer (such as
   * 404), and the signal's reason as soon as the signal aborts (the request
   * in flight is aborted too).
   *
   * It reads the job at once, then again after the server's Retry-After
   * (clamped to 1..30 s) or, without one, after intervalMs (2 s). Reads send
   * If-None-Match, so an unchanged job costs a 304 with no body.
   *
   * Both the seed's form, pollJob(id, onProgress, intervalMs), and
   * pollJob(id, options) work.
   */
  pollJob<P extends object = JsonObject, R = JsonValue>(jobId: string, options?: PollOptions<P, R>): Promise<Job<P, R>>;
  pollJob<P extends object = JsonObject, R = JsonValue>(
    jobId: string,
    onProgress?: ProgressCallback<P, R>,
    intervalMs?: number,
  ): Promise<Job<P, R>>;
  pollJob<P extends object = JsonObject, R = JsonValue>(
    jobId: string,
    optionsOrProgress?: PollOptions<P, R> | ProgressCallback<P, R>,
    intervalMs?: number,
  ): Promise<Job<P, R>> {
    let options: PollOptions<P, R> = {};
    if (typeof optionsOrProgress === "function") {
      options = { onProgress: optionsOrProgress };
    } else if (optionsOrProgress !== undefined) {
      options = optionsOrProgress;
    }
    if (intervalMs !== undefined) {
      options = { ...options, intervalMs };
    }
    return this.poll(jobId, options);
  }

  /** Poll is pollJob with its options read. */
  private async poll<P extends object, R>(jobId: string, options: PollOptions<P, R>): Promise<Job<P, R>> {
    const { signal, onProgress } = options;
    const intervalMs = options.intervalMs ?? POLL_INTERVAL_MS;
    const maxErrors = options.maxConsecutiveErrors ?? DEFAULT_MAX_CONSECUTIVE_ERRORS;
    let job: Job<P, R> | null = null;
    let etag: string | null = null;
    let errors = 0;

    for (;;) {
      signal?.throwIfAborted();
      let retryAfterMs: number | null = null;
      try {
        const answer: ConditionalJob<P, R> = await this.getJobIfChanged<P, R>(jobId, job === null ? null : etag, { signal });
        errors = 0;
        retryAfterMs = answer.retryAfterMs;
        if (answer.job !== null) {
          job = answer.job;
          etag = answer.etag;
          onProgress?.(job);
        }
      } catch (err) {
        if (signal?.aborted) {
          throw signal.reason;
        }
        errors++;
        if (!isTransient(err) || errors >= maxErrors) {
          throw err;
        }
        if (err instanceof JobApiError) {
          retryAfterMs = err.retryAfterMs;
        }
      }
      const done = job === null ? null : settled(job);
      if (done !== null) {
        return done;
      }
      await sleep(nextPollDelayMs(retryAfterMs, intervalMs), signal);
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
    const url = `${this.baseUrl}${path}`;
    let response: Response;
    try {
      response = await this.fetchFn(url, init);
    } catch (err) {
      if (options.signal?.aborted) {
        throw options.signal.reason;
      }
      throw new JobNetworkError(method, url, err);
    }
    if (response.ok || (options.allowNotModified === true && response.status === 304)) {
      return response;
    }
    throw await toApiError(response);
  }
}

/**
 * Settled is how a poll ends with job: the job itself when it completed or
 * ended partial, a thrown JobFailedError or JobCanceledError, or null while
 * it may still change.
 */
function settled<P extends object, R>(job: Job<P, R>): Job<P, R> | null {
  switch (job.status) {
    case "completed":
    case "partial":
      return job;
    case "failed":
      throw new JobFailedError<P, R>(job);
    case "canceled":
      throw new JobCanceledError<P, R>(job);
    default:
      return null;
  }
}

/**
 * NextPollDelayMs is how long pollJob waits before its next read: the
 * server's Retry-After clamped to MIN_RETRY_AFTER_MS..MAX_RETRY_AFTER_MS
 * when it sent one, else intervalMs.
 */
export function nextPollDelayMs(retryAfterMs: number | null, intervalMs: number): number {
  if (retryAfterMs === null) return intervalMs;
  return Math.min(MAX_RETRY_AFTER_MS, Math.max(MIN_RETRY_AFTER_MS, retryAfterMs));
}

/**
 * jobClient is a ready client with the defaults (the API at /api on the
 * page's host), as the seed exports it.
 */
export const jobClient: JobClient = /* @__PURE__ */ new JobClient();

/** JobPath is the path of one job; the id is escaped so it cannot change the route. */
function jobPath(jobId: string): string {
  return `/jobs/${encodeURIComponent(jobId)}`;
}

/** ReadJson parses a success body, turning a malformed one into a JobApiError. */
async function readJson<T>(response: Response): Promise<T> {
  let text: string;
  try {
    text = await response.text();
  } catch (err) {
    throw new JobNetworkError("GET", response.url, err);
  }
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
  return { error: { code: code as ApiErrorBody["error"]["code"], message } };
}

/**
 * ParseRetryAfter turns a Retry-After header (delay seconds or an HTTP
 * date) into milliseconds from now; null when absent or malformed, 0 for a
 * date in the past.
 */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | null {
  if (value === null) return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) {
    return Number(trimmed) * 1000;
  }
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return null;
  return Math.max(0, at - now);
}

/** IsTransient tells errors that a poll should retry: network failures and busy answers. */
function isTransient(err: unknown): boolean {
  if (err instanceof JobApiError) {
    return TRANSIENT_STATUSES.has(err.status);
  }
  return err instanceof JobNetworkError;
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
