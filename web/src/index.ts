// Package entry of the Jobline web client: import { JobClient } from "@jobline/web".

export { JobClient, parseRetryAfter, toApiError } from "./client.js";
export type {
  ConditionalJob,
  CreateJobOptions,
  FetchFunction,
  HeaderMap,
  JobClientOptions,
  ListJobsOptions,
  PollOptions,
  RequestOptions,
} from "./client.js";
export { JobApiError, JobCanceledError, JobFailedError } from "./errors.js";
export { JOB_STATUSES, isFinalStatus } from "./types.js";
export type {
  ApiErrorBody,
  Asset,
  Attempt,
  AttemptOutcome,
  AssetList,
  CreateJobRequest,
  Job,
  JobPage,
  JobStatus,
  JsonObject,
  JsonValue,
} from "./types.js";
