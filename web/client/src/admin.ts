// AdminClient: the typed client of the admin API (the routes under
// /admin/, the operator's console). Only admins get answers; anyone else
// gets 404, the answer of a route that does not exist, so `me()` is how a
// page learns whether to show its console.

import { JobApiError } from "./errors.js";
import { Transport, jobPath, withQuery, type JobClientOptions, type RequestOptions } from "./http.js";
import type {
  AdminDeadLetters,
  AdminJobDetail,
  AdminJobPage,
  AdminMe,
  AdminMetrics,
  AdminQueues,
  JobStatus,
  JsonObject,
  JsonValue,
  RedriveRequest,
  RedriveResult,
} from "./types.js";

/** AdminListJobsOptions filter and page GET /admin/jobs. */
export interface AdminListJobsOptions extends RequestOptions {
  status?: JobStatus;
  jobType?: string;
  /** Owner lists only this user's jobs. */
  owner?: string;
  /** Limit is the page size, 1..100; the server's default is 20. */
  limit?: number;
  /** Cursor is a page's nextCursor, to fetch the page after it. */
  cursor?: string | null;
}

/** AdminCancelOptions are the options of AdminClient.cancelJob. */
export interface AdminCancelOptions extends RequestOptions {
  /** Reason is kept in the job's history with the admin's id; at most 256 bytes. */
  reason?: string;
}

/** DeadLetterOptions are the options of listDeadLetters. */
export interface DeadLetterOptions extends RequestOptions {
  /** Max is the most messages to list, 1..1000; the server's default is 100. */
  max?: number;
}

/** MetricsOptions are the options of getMetrics. */
export interface MetricsOptions extends RequestOptions {
  /** Window is whole minutes from "1m" to "3h", ending now; the server's default is "1h". */
  window?: string;
}

/** ADMIN_PREFIX is where the admin API's routes are, under the base URL. */
const ADMIN_PREFIX = "/admin";

/**
 * AdminClient calls Jobline's admin API with the same options as a
 * JobClient (base URL, token or headers). Every method rejects with a
 * JobApiError for an error answer (404 `not_found` for a caller who is not
 * an admin), a JobNetworkError when no answer came, and with the signal's
 * reason when aborted.
 */
export class AdminClient {
  private readonly http: Transport;

  /** Constructor takes the base URL (default "/api") or the options. */
  constructor(options: string | JobClientOptions = {}) {
    this.http = new Transport(options);
  }

  /**
   * Me resolves the caller when an admin, and null when not: the API
   * answers 404 to anyone else (and so does a server without the admin
   * API).
   */
  async me(options: RequestOptions = {}): Promise<AdminMe | null> {
    try {
      return await this.http.getJson<AdminMe>(`${ADMIN_PREFIX}/me`, options.signal);
    } catch (err) {
      if (err instanceof JobApiError && err.status === 404) return null;
      throw err;
    }
  }

  /** ListJobs reads one page of every owner's jobs (or owner's), newest first. */
  listJobs<P extends object = JsonObject, R = JsonValue>(options: AdminListJobsOptions = {}): Promise<AdminJobPage<P, R>> {
    const { status, jobType, owner, limit, cursor } = options;
    return this.http.getJson(withQuery(`${ADMIN_PREFIX}/jobs`, { status, jobType, owner, limit, cursor }), options.signal);
  }

  /** GetJob reads any owner's job with its whole timeline. */
  getJob<P extends object = JsonObject, R = JsonValue>(jobId: string, options: RequestOptions = {}): Promise<AdminJobDetail<P, R>> {
    return this.http.getJson(jobPath(jobId, ADMIN_PREFIX), options.signal);
  }

  /**
   * CancelJob cancels any owner's queued or running job, recording the
   * admin and the reason; a job that already ended rejects with code
   * "invalid_transition" (409).
   */
  cancelJob<P extends object = JsonObject, R = JsonValue>(jobId: string, options: AdminCancelOptions = {}): Promise<AdminJobDetail<P, R>> {
    const body = options.reason === undefined || options.reason === "" ? undefined : { reason: options.reason };
    return this.http.postJson(`${jobPath(jobId, ADMIN_PREFIX)}/cancel`, body, options.signal);
  }

  /** GetQueues reads the message counts of the jobs queues, then of the dead-letter queue. */
  getQueues(options: RequestOptions = {}): Promise<AdminQueues> {
    return this.http.getJson(`${ADMIN_PREFIX}/queues`, options.signal);
  }

  /** ListDeadLetters lists the dead-letter queue's messages with their jobs (the messages stay). */
  listDeadLetters(options: DeadLetterOptions = {}): Promise<AdminDeadLetters> {
    return this.http.getJson(withQuery(`${ADMIN_PREFIX}/dlq`, { max: options.max }), options.signal);
  }

  /**
   * Redrive runs dead-lettered jobs again: a selection (`jobIds`) or all
   * (`all: true`, maybe of one `jobType`, at most `max`), recording the
   * admin and the reason. With `dryRun: true` it changes nothing and
   * reports what it would do.
   */
  redrive(request: RedriveRequest, options: RequestOptions = {}): Promise<RedriveResult> {
    return this.http.postJson(`${ADMIN_PREFIX}/dlq/redrive`, request, options.signal);
  }

  /** GetMetrics reads every job type's metrics per minute over the window that ends now. */
  getMetrics(options: MetricsOptions = {}): Promise<AdminMetrics> {
    return this.http.getJson(withQuery(`${ADMIN_PREFIX}/metrics`, { window: options.window }), options.signal);
  }
}
