// The HTTP side shared by JobClient and AdminClient: the options that say
// where the API is and who calls, one request with the auth headers, and
// the mapping of answers to JSON or to a JobApiError.

import { JobApiError, JobNetworkError } from "./errors.js";
import type { ApiErrorBody } from "./types.js";

/** FetchFunction is the subset of `fetch` the client uses; inject a fake in tests. */
export type FetchFunction = (input: string, init: RequestInit) => Promise<Response>;

/** HeaderMap is a set of extra request headers. */
export type HeaderMap = Record<string, string>;

/** DEFAULT_BASE_URL is where the client finds the API unless told: the seed's "/api". */
export const DEFAULT_BASE_URL = "/api";

/** JobClientOptions configures a JobClient (and an AdminClient). */
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

/** SendOptions are one request's extras. */
export interface SendOptions {
  headers?: HeaderMap;
  body?: string;
  signal?: AbortSignal | undefined;
  cache?: RequestCache;
  /** AllowNotModified returns a 304 instead of rejecting it. */
  allowNotModified?: boolean;
}

/** Transport sends the requests of one client: base URL, auth headers, error answers. */
export class Transport {
  private readonly baseUrl: string;
  private readonly fetchFn: FetchFunction;
  private readonly getToken: JobClientOptions["getToken"];
  private readonly getHeaders: JobClientOptions["getHeaders"];

  /** Constructor takes the base URL (default "/api") or the options. */
  constructor(options: string | JobClientOptions = {}) {
    const opts: JobClientOptions = typeof options === "string" ? { baseUrl: options } : options;
    this.baseUrl = (opts.baseUrl ?? DEFAULT_BASE_URL).replace(/\/+$/, "");
    // Bound so that a browser's fetch is not called with the client as `this`.
    this.fetchFn = opts.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.getToken = opts.getToken;
    this.getHeaders = opts.getHeaders;
  }

  /** Send makes one request with the auth headers; an error answer rejects with JobApiError. */
  async send(method: string, path: string, options: SendOptions = {}): Promise<Response> {
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

  /** GetJson sends a GET and parses the answer. */
  async getJson<T>(path: string, signal: AbortSignal | undefined): Promise<T> {
    return readJson<T>(await this.send("GET", path, { signal }));
  }

  /** PostJson sends body as JSON (none when undefined) and parses the answer. */
  async postJson<T>(path: string, body: unknown, signal: AbortSignal | undefined, headers: HeaderMap = {}): Promise<T> {
    const options: SendOptions = { headers: { ...headers }, signal };
    if (body !== undefined) {
      options.headers = { "Content-Type": "application/json", ...headers };
      options.body = JSON.stringify(body);
    }
    return readJson<T>(await this.send("POST", path, options));
  }
}

/**
 * WithQuery is path with the query parameters that are set (undefined,
 * null and "" are left out), in the order given.
 */
export function withQuery(path: string, params: Record<string, string | number | null | undefined>): string {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") query.set(name, String(value));
  }
  const search = query.toString();
  return search === "" ? path : `${path}?${search}`;
}

/** JobPath is the path of one job under prefix; the id is escaped so it cannot change the route. */
export function jobPath(jobId: string, prefix = ""): string {
  return `${prefix}/jobs/${encodeURIComponent(jobId)}`;
}

/** ReadJson parses a success body, turning a malformed one into a JobApiError. */
export async function readJson<T>(response: Response): Promise<T> {
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
