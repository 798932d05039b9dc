// @jobline/client: the typed client of Jobline's HTTP API.
// import { JobClient, jobClient } from "@jobline/client";
// import { AdminClient } from "@jobline/client";   // the admin API, for admins

export { JobClient, MAX_RETRY_AFTER_MS, MIN_RETRY_AFTER_MS, POLL_INTERVAL_MS, jobClient, nextPollDelayMs } from "./client.js";
export type { ConditionalJob, CreateJobOptions, ListJobsOptions, PollOptions, ProgressCallback } from "./client.js";
export { DEFAULT_BASE_URL, parseRetryAfter, toApiError } from "./http.js";
export type { FetchFunction, HeaderMap, JobClientOptions, RequestOptions } from "./http.js";
export { AdminClient } from "./admin.js";
export type { AdminCancelOptions, AdminListJobsOptions, DeadLetterOptions, MetricsOptions } from "./admin.js";
export { JobApiError, JobCanceledError, JobFailedError, JobNetworkError } from "./errors.js";
export { JOB_STATUSES, isFinalStatus } from "./types.js";
export type {
  AdminDeadLetters,
  AdminJob,
  AdminJobDetail,
  AdminJobPage,
  AdminMe,
  AdminMetrics,
  AdminQueues,
  ApiErrorBody,
  Asset,
  AssetList,
  Attempt,
  AttemptOutcome,
  CreatedJob,
  CreateJobRequest,
  DeadLetter,
  ErrorCode,
  Job,
  JobEvent,
  JobEventType,
  JobPage,
  JobStatus,
  JobStatusResponse,
  JobType,
  JobTypeList,
  JobTypeParameter,
  JsonObject,
  JsonValue,
  MetricName,
  MetricSeries,
  OperatorEvent,
  QueueRole,
  QueueStats,
  RedriveAction,
  RedriveItem,
  RedriveRequest,
  RedriveResult,
} from "./types.js";
export type { components, paths, operations } from "./openapi.js";
