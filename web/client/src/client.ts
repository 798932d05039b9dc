// JobClient: the typed client of Jobline's HTTP API, for browsers and Node
// (anything with `fetch` and `AbortSignal`). Its signatures are a superset
// of the specification's seed client: `new JobClient("/api")`,
// `createJob` resolving `{jobId, ...}`, `getJobAssets` resolving
// `{assets}`, `pollJob(id, onProgress, intervalMs)` and the `jobClient`
// instance all work as the seed's do.

import { JobApiError, JobCanceledError, JobFailedError, JobNetworkError } from "./errors.js";
import { Transport, jobPath, readJson, parseRetryAfter, withQuery, type HeaderMap, type JobClientOptions, type RequestOptions } from "./http.js";
import type {
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
  private readonly http: Transport;

  /**
   * Constructor takes the base URL (the seed's form, default "/api") or
   * the options.
   */
  constructor(options: string | JobClientOptions = {}) {
    this.http = new Transport(options);
  }

  /**
   * CreateJob records a job and queues it; it resolves with the new (or
   * replayed) job, its id also as `jobId`.
   */
  async createJob<P extends object = JsonObject, R = JsonValue>(
    request: CreateJobRequest<P>,
    options: CreateJobOptions = {},
  ): Promise<CreatedJob<P, R>> {
    const headers: HeaderMap = {};
    if (options.idempotencyKey !== undefined) {
      headers["Idempotency-Key"] = options.idempotencyKey;
    }
    const job = await this.http.postJson<Job<P, R>>("/jobs", request, options.signal, headers);
    return { ...job, jobId: job.id };
  }

  /** GetJob reads one job. */
  async getJob<P extends object = JsonObject, R = JsonValue>(jobId: string, options: RequestOptions = {}): Promise<Job<P, R>> {
    return this.http.getJson<Job<P, R>>(jobPath(jobId), options.signal);
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
    const response = await this.http.send("GET", jobPath(jobId), {
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
    return this.http.getJson<AssetList>(`${jobPath(jobId)}/assets`, options.signal);
  }

  /** ListJobs reads one page of the caller's jobs, newest first. */
  async listJobs<P extends object = JsonObject, R = JsonValue>(options: ListJobsOptions = {}): Promise<JobPage<P, R>> {
    const { status, jobType, limit, cursor } = options;
    return this.http.getJson<JobPage<P, R>>(withQuery("/jobs", { status, jobType, limit, cursor }), options.signal);
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
    return this.http.postJson<Job<P, R>>(`${jobPath(jobId)}/cancel`, undefined, options.signal);
  }

  /** ListJobTypes lists the job types the server runs, with their parameter fields: `{jobTypes}`. */
  async listJobTypes(options: RequestOptions = {}): Promise<JobTypeList> {
    return this.http.getJson<JobTypeList>("/job-types", options.signal);
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
