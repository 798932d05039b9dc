// @jobline/client: the typed client of Jobline's HTTP API.
// import { JobClient, jobClient } from "@jobline/client";

export {
  DEFAULT_BASE_URL,
  JobClient,
  MAX_RETRY_AFTER_MS,
  MIN_RETRY_AFTER_MS,
  POLL_INTERVAL_MS,
  jobClient,
  nextPollDelayMs,
  parseRetryAfter,
  toApiError,
} from "./client.js";
export type {
  ConditionalJob,
  CreateJobOptions,
  FetchFunction,
  HeaderMap,
  JobClientOptions,
  ListJobsOptions,
  PollOptions,
  ProgressCallback,
  RequestOptions,
} from "./client.js";
export { JobApiError, JobCanceledError, JobFailedError, JobNetworkError } from "./errors.js";
export { JOB_STATUSES, isFinalStatus } from "./types.js";
export type {
  ApiErrorBody,
  Asset,
  AssetList,
  Attempt,
  AttemptOutcome,
  CreatedJob,
  CreateJobRequest,
  ErrorCode,
  Job,
  JobPage,
  JobStatus,
  JobStatusResponse,
  JobType,
  JobTypeList,
  JobTypeParameter,
  JsonObject,
  JsonValue,
} from "./types.js";
export type { components, paths, operations } from "./openapi.js";
