// Errors the client throws. Callers branch on the class (instanceof) and,
// for API errors, on the stable `code`.

import type { ErrorCode, Job, JsonObject, JsonValue } from "./types.js";

/**
 * JobApiError is an error answer of the API: the server's `code` and
 * `message` from `{"error": {...}}`, and the HTTP status. A body that is not
 * the API's JSON error (a proxy's HTML page, an empty 502, API Gateway's
 * `{"message": "Unauthorized"}`) gets the code `http_<status>` and a message
 * from the body; a success body that is not JSON gets `invalid_response`.
 */
export class JobApiError extends Error {
  /** Code is the API's error code, for example "job_not_found". */
  readonly code: ErrorCode | `http_${number}` | "invalid_response";
  /** Status is the HTTP status of the answer. */
  readonly status: number;
  /**
   * RetryAfterMs is the answer's Retry-After in milliseconds (null when it
   * had none): how long to wait before trying again.
   */
  readonly retryAfterMs: number | null;

  constructor(status: number, code: JobApiError["code"], message: string, retryAfterMs: number | null = null) {
    super(message);
    this.name = "JobApiError";
    this.status = status;
    this.code = code;
    this.retryAfterMs = retryAfterMs;
  }
}

/**
 * JobNetworkError is a request that got no answer: the network failed, the
 * server was unreachable, or the answer was cut off. Its cause is the
 * error fetch threw.
 */
export class JobNetworkError extends Error {
  /** Method and Url name the request that failed. */
  readonly method: string;
  readonly url: string;

  constructor(method: string, url: string, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(`${method} ${url}: no answer (${reason})`, { cause });
    this.name = "JobNetworkError";
    this.method = method;
    this.url = url;
  }
}

/** JobFailedError rejects pollJob when the job ends failed. */
export class JobFailedError<P extends object = JsonObject, R = JsonValue> extends Error {
  /** Job is the failed job as last read. */
  readonly job: Job<P, R>;
  /** ErrorMessage is the job's errorMessage, also the error's message when set. */
  readonly errorMessage: string | null;

  constructor(job: Job<P, R>) {
    super(job.errorMessage ?? `job ${job.id} failed`);
    this.name = "JobFailedError";
    this.job = job;
    this.errorMessage = job.errorMessage;
  }
}

/** JobCanceledError rejects pollJob when the job ends canceled. */
export class JobCanceledError<P extends object = JsonObject, R = JsonValue> extends Error {
  /** Job is the canceled job as last read. */
  readonly job: Job<P, R>;

  constructor(job: Job<P, R>) {
    super(`job ${job.id} was canceled`);
    this.name = "JobCanceledError";
    this.job = job;
  }
}
