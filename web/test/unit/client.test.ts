import { afterEach, beforeEach, describe, expect, expectTypeOf, it, vi } from "vitest";

import {
  JobApiError,
  JobCanceledError,
  JobClient,
  JobFailedError,
  JobNetworkError,
  jobClient,
  nextPollDelayMs,
  parseRetryAfter,
  type AssetList,
  type CreatedJob,
  type FetchFunction,
  type Job,
} from "../../client/src/index.js";

const BASE = "http://api.test";

function makeJob(overrides: Partial<Job> = {}): Job {
  return {
    id: "job-1",
    jobType: "sleep",
    status: "processing",
    progress: 0,
    errorMessage: null,
    parameters: { seconds: 3 },
    result: null,
    priority: 0,
    attempt: 1,
    maxAttempts: 3,
    createdAt: "2025-01-01T00:00:00Z",
    updatedAt: "2025-01-01T00:00:00Z",
    completedAt: null,
    attempts: [],
    ...overrides,
  };
}

function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "Content-Type": "application/json", ...headers },
  });
}

/** Call is one request the fake server saw, with the (fake) time it arrived. */
interface Call {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string | null;
  at: number;
  signal: AbortSignal | null;
}

/**
 * fakeServer answers each request with the next responder; it records the
 * calls and fails the test when the client asks for more than scripted.
 */
function fakeServer(responders: Array<(call: Call) => Response | Promise<Response>>): {
  fetch: FetchFunction;
  calls: Call[];
} {
  const calls: Call[] = [];
  const fetch: FetchFunction = async (input, init) => {
    const headers: Record<string, string> = {};
    new Headers(init.headers).forEach((value, key) => {
      headers[key] = value;
    });
    const call: Call = {
      url: input,
      method: init.method ?? "GET",
      headers,
      body: typeof init.body === "string" ? init.body : null,
      at: Date.now(),
      signal: init.signal ?? null,
    };
    calls.push(call);
    const responder = responders[calls.length - 1];
    if (responder === undefined) {
      throw new Error(`unexpected request #${calls.length}: ${call.method} ${call.url}`);
    }
    return responder(call);
  };
  return { fetch, calls };
}

function gaps(calls: Call[]): number[] {
  return calls.slice(1).map((call, i) => call.at - calls[i]!.at);
}

describe("JobClient.pollJob", () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: new Date("2025-01-01T00:00:00Z") });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("reads at once, then every 2 s while the server sends no Retry-After", async () => {
    const polls = 5;
    const responders = Array.from({ length: polls }, (_, i) => () =>
      json(makeJob({ progress: i * 20, status: i === polls - 1 ? "completed" : "processing" }), 200, {
        ETag: `"${i + 1}"`,
      }),
    );
    const server = fakeServer(responders);
    const client = new JobClient({ baseUrl: BASE, fetch: server.fetch });

    const done = client.pollJob("job-1");
    await vi.runAllTimersAsync();
    const job = await done;

    expect(job.status).toBe("completed");
    expect(server.calls).toHaveLength(polls);
    expect(server.calls[0]!.at).toBe(new Date("2025-01-01T00:00:00Z").getTime());
    expect(gaps(server.calls)).toEqual([2000, 2000, 2000, 2000]);
  });

  it("waits the server's Retry-After instead, clamped to 1..30 s", async () => {
    const server = fakeServer([
      () => json(makeJob(), 200, { ETag: '"1"', "Retry-After": "5" }),
      () => new Response(null, { status: 304, headers: { ETag: '"1"', "Retry-After": "0" } }),
      () => json(makeJob({ progress: 50 }), 200, { ETag: '"2"', "Retry-After": "120" }),
      () => json(makeJob({ progress: 60 }), 200, { ETag: '"3"' }),
      () => json(makeJob({ status: "completed", progress: 100 }), 200, { ETag: '"4"' }),
    ]);
    const client = new JobClient({ baseUrl: BASE, fetch: server.fetch });

    const done = client.pollJob("job-1");
    await vi.runAllTimersAsync();
    await done;

    expect(gaps(server.calls)).toEqual([5000, 1000, 30_000, 2000]);
  });

  it("takes intervalMs as the wait without a Retry-After, never over the server's hint", async () => {
    const server = fakeServer([
      () => json(makeJob(), 200, { ETag: '"1"', "Retry-After": "3" }),
      () => json(makeJob({ progress: 50 }), 200, { ETag: '"2"' }),
      () => json(makeJob({ status: "completed", progress: 100 }), 200, { ETag: '"3"' }),
    ]);
    const client = new JobClient({ baseUrl: BASE, fetch: server.fetch });

    const done = client.pollJob("job-1", { intervalMs: 100 });
    await vi.runAllTimersAsync();
    await done;

    expect(gaps(server.calls)).toEqual([3000, 100]);
  });

  it("takes the seed's arguments: pollJob(id, onProgress, intervalMs)", async () => {
    const server = fakeServer([
      () => json(makeJob({ progress: 10 }), 200, { ETag: '"1"' }),
      () => new Response(null, { status: 304, headers: { ETag: '"1"' } }),
      () => json(makeJob({ status: "completed", progress: 100 }), 200, { ETag: '"2"' }),
    ]);
    const client = new JobClient({ baseUrl: BASE, fetch: server.fetch });
    const seen: number[] = [];

    const done = client.pollJob("job-1", (job) => seen.push(job.progress), 500);
    await vi.runAllTimersAsync();
    await expect(done).resolves.toMatchObject({ status: "completed" });

    expect(seen).toEqual([10, 100]);
    expect(gaps(server.calls)).toEqual([500, 500]);
  });

  it("takes the seed's arguments without an interval: every 2 s", async () => {
    const server = fakeServer([
      () => json(makeJob(), 200, { ETag: '"1"' }),
      () => json(makeJob({ status: "completed" }), 200, { ETag: '"2"' }),
    ]);
    const client = new JobClient({ baseUrl: BASE, fetch: server.fetch });
    const done = client.pollJob("job-1", () => undefined);
    await vi.runAllTimersAsync();
    await done;
    expect(gaps(server.calls)).toEqual([2000]);
  });

  it("sends If-None-Match and reuses the cached job on 304", async () => {
    const etagSeen: Array<string | undefined> = [];
    const server = fakeServer([
      (call) => {
        etagSeen.push(call.headers["if-none-match"]);
        return json(makeJob({ progress: 10 }), 200, { ETag: '"7"' });
      },
      (call) => {
        etagSeen.push(call.headers["if-none-match"]);
        return new Response(null, { status: 304, headers: { ETag: '"7"' } });
      },
      (call) => {
        etagSeen.push(call.headers["if-none-match"]);
        return new Response(null, { status: 304 });
      },
      (call) => {
        etagSeen.push(call.headers["if-none-match"]);
        return json(makeJob({ progress: 100, status: "completed", result: { ok: true } }), 200, { ETag: '"9"' });
      },
    ]);
    const client = new JobClient({ baseUrl: BASE, fetch: server.fetch });
    const seen: number[] = [];

    const done = client.pollJob("job-1", { onProgress: (job) => seen.push(job.progress) });
    await vi.runAllTimersAsync();
    const job = await done;

    expect(etagSeen).toEqual([undefined, '"7"', '"7"', '"7"']);
    expect(seen).toEqual([10, 100]);
    expect(job.result).toEqual({ ok: true });
    expect(server.calls.every((call) => call.url === `${BASE}/jobs/job-1`)).toBe(true);
  });

  it("resolves on partial", async () => {
    const server = fakeServer([() => json(makeJob({ status: "partial", result: { done: [1], failed: [2] } }))]);
    const client = new JobClient({ baseUrl: BASE, fetch: server.fetch });
    await expect(client.pollJob("job-1")).resolves.toMatchObject({ status: "partial" });
  });

  it.each([
    {
      name: "failed rejects with JobFailedError carrying the server's errorMessage",
      job: makeJob({ status: "failed", errorMessage: "boom: attempt 3 of 3" }),
      errorClass: JobFailedError,
      message: "boom: attempt 3 of 3",
    },
    {
      name: "canceled rejects with JobCanceledError",
      job: makeJob({ status: "canceled" }),
      errorClass: JobCanceledError,
      message: "job job-1 was canceled",
    },
  ])("$name", async ({ job, errorClass, message }) => {
    const server = fakeServer([() => json(makeJob(), 200, { ETag: '"1"' }), () => json(job, 200, { ETag: '"2"' })]);
    const client = new JobClient({ baseUrl: BASE, fetch: server.fetch });

    const done = client.pollJob("job-1");
    const settled = done.catch((err: unknown) => err);
    await vi.runAllTimersAsync();
    const err = await settled;

    expect(err).toBeInstanceOf(errorClass);
    expect((err as Error).message).toBe(message);
    expect((err as JobFailedError).job.status).toBe(job.status);
    if (err instanceof JobFailedError) expect(err.errorMessage).toBe(message);
  });

  it("retries 503 and 429 after their Retry-After (seconds or HTTP date)", async () => {
    const server = fakeServer([
      () => json(makeJob(), 200, { ETag: '"1"' }),
      () =>
        json({ error: { code: "unavailable", message: "slow down" } }, 503, {
          "Retry-After": "Wed, 01 Jan 2025 00:00:05 GMT",
        }),
      () => new Response("Too Many Requests", { status: 429, headers: { "Retry-After": "2" } }),
      () => json(makeJob({ status: "completed" }), 200, { ETag: '"2"' }),
    ]);
    const client = new JobClient({ baseUrl: BASE, fetch: server.fetch });

    const done = client.pollJob("job-1");
    await vi.runAllTimersAsync();
    await done;

    // 2 s without a hint; the 503 came at 00:00:02 and its date says
    // 00:00:05; the 429 says 2 s.
    expect(gaps(server.calls)).toEqual([2000, 3000, 2000]);
    // A retried error does not drop the cached ETag.
    expect(server.calls[3]!.headers["if-none-match"]).toBe('"1"');
  });

  it("retries a network failure after the interval", async () => {
    const server = fakeServer([
      () => json(makeJob(), 200, { ETag: '"1"' }),
      () => Promise.reject(new TypeError("fetch failed")),
      () => json(makeJob({ status: "completed" }), 200, { ETag: '"2"' }),
    ]);
    const client = new JobClient({ baseUrl: BASE, fetch: server.fetch });
    const done = client.pollJob("job-1");
    await vi.runAllTimersAsync();
    await expect(done).resolves.toMatchObject({ status: "completed" });
    expect(gaps(server.calls)).toEqual([2000, 2000]);
  });

  it("gives up after maxConsecutiveErrors transient failures", async () => {
    const server = fakeServer([
      () => new Response("bad gateway", { status: 502 }),
      () => Promise.reject(new TypeError("fetch failed")),
      () => new Response("bad gateway", { status: 502 }),
    ]);
    const client = new JobClient({ baseUrl: BASE, fetch: server.fetch });

    const settled = client.pollJob("job-1", { maxConsecutiveErrors: 3 }).catch((err: unknown) => err);
    await vi.runAllTimersAsync();
    const err = await settled;

    expect(err).toBeInstanceOf(JobApiError);
    expect(err).toMatchObject({ status: 502, code: "http_502", message: "bad gateway" });
    expect(server.calls).toHaveLength(3);
  });

  it("rejects at once on a non-transient error such as 404", async () => {
    const server = fakeServer([
      () => json({ error: { code: "job_not_found", message: "job not found" } }, 404),
    ]);
    const client = new JobClient({ baseUrl: BASE, fetch: server.fetch });

    await expect(client.pollJob("nope")).rejects.toMatchObject({
      name: "JobApiError",
      status: 404,
      code: "job_not_found",
      message: "job not found",
    });
    expect(server.calls).toHaveLength(1);
  });

  it("stops at once when aborted while waiting", async () => {
    const server = fakeServer([() => json(makeJob(), 200, { ETag: '"1"' })]);
    const client = new JobClient({ baseUrl: BASE, fetch: server.fetch });
    const abort = new AbortController();

    const settled = client.pollJob("job-1", { signal: abort.signal }).catch((err: unknown) => err);
    await vi.advanceTimersByTimeAsync(100);
    abort.abort();
    const err = await settled;

    expect(err).toBeInstanceOf(DOMException);
    expect((err as DOMException).name).toBe("AbortError");
    await vi.runAllTimersAsync();
    expect(server.calls).toHaveLength(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("aborts the request in flight", async () => {
    let inFlight: AbortSignal | null = null;
    const server = fakeServer([
      (call) =>
        new Promise<Response>((_, reject) => {
          inFlight = call.signal;
          call.signal?.addEventListener("abort", () => reject(call.signal?.reason));
        }),
    ]);
    const client = new JobClient({ baseUrl: BASE, fetch: server.fetch });
    const abort = new AbortController();

    const settled = client.pollJob("job-1", { signal: abort.signal }).catch((err: unknown) => err);
    await vi.advanceTimersByTimeAsync(10);
    abort.abort(new Error("user left the page"));
    const err = await settled;

    expect(inFlight).not.toBeNull();
    expect(inFlight!.aborted).toBe(true);
    expect((err as Error).message).toBe("user left the page");
  });

  it("does not start when the signal is already aborted", async () => {
    const server = fakeServer([]);
    const client = new JobClient({ baseUrl: BASE, fetch: server.fetch });
    await expect(client.pollJob("job-1", { signal: AbortSignal.abort() })).rejects.toMatchObject({ name: "AbortError" });
    expect(server.calls).toHaveLength(0);
  });
});

describe("JobClient requests", () => {
  it("createJob posts the body with the Idempotency-Key and auth headers", async () => {
    const created = makeJob({ status: "queued" });
    const server = fakeServer([() => json(created, 201, { Location: "/jobs/job-1" })]);
    const client = new JobClient({
      baseUrl: `${BASE}/`,
      fetch: server.fetch,
      getToken: async () => "jwt-abc",
      getHeaders: () => ({ "X-User-Id": "alice" }),
    });

    const job = await client.createJob(
      { jobType: "sleep", parameters: { seconds: 3 }, priority: 5, maxAttempts: 2 },
      { idempotencyKey: "key-1" },
    );

    expect(job).toEqual({ ...created, jobId: "job-1" });
    const call = server.calls[0]!;
    expect(call.method).toBe("POST");
    expect(call.url).toBe(`${BASE}/jobs`);
    expect(JSON.parse(call.body!)).toEqual({ jobType: "sleep", parameters: { seconds: 3 }, priority: 5, maxAttempts: 2 });
    expect(call.headers).toMatchObject({
      "content-type": "application/json",
      "idempotency-key": "key-1",
      authorization: "Bearer jwt-abc",
      "x-user-id": "alice",
      accept: "application/json",
    });
  });

  it("sends no Authorization header when the token provider has none", async () => {
    const server = fakeServer([() => json(makeJob())]);
    const client = new JobClient({ baseUrl: BASE, fetch: server.fetch, getToken: () => null });
    await client.getJob("job-1");
    expect(server.calls[0]!.headers["authorization"]).toBeUndefined();
  });

  it("escapes the job id in paths", async () => {
    const server = fakeServer([
      () => json(makeJob()),
      () => json({ assets: [] }),
      () => json(makeJob({ status: "canceled" })),
    ]);
    const client = new JobClient({ baseUrl: BASE, fetch: server.fetch });
    await client.getJob("a/b?c");
    await client.getJobAssets("a/b?c");
    await client.cancelJob("a/b?c");
    expect(server.calls.map((c) => `${c.method} ${c.url}`)).toEqual([
      `GET ${BASE}/jobs/a%2Fb%3Fc`,
      `GET ${BASE}/jobs/a%2Fb%3Fc/assets`,
      `POST ${BASE}/jobs/a%2Fb%3Fc/cancel`,
    ]);
  });

  it("getJobAssets resolves the asset list as the API sends it", async () => {
    const asset = {
      id: "asset-1",
      jobId: "job-1",
      assetType: "report",
      url: "/files/u/job-1/report.txt",
      storagePath: "u/job-1/report.txt",
      fileSize: 42,
      metadata: null,
      createdAt: "2025-01-01T00:00:01Z",
    };
    const server = fakeServer([() => json({ assets: [asset] })]);
    const client = new JobClient({ baseUrl: BASE, fetch: server.fetch });
    await expect(client.getJobAssets("job-1")).resolves.toEqual({ assets: [asset] });
  });

  it("listJobs builds the query and iterateJobs follows the cursors", async () => {
    const server = fakeServer([
      () => json({ jobs: [makeJob({ id: "a" })], nextCursor: null }),
      () => json({ jobs: [makeJob({ id: "3" }), makeJob({ id: "2" })], nextCursor: "c1" }),
      () => json({ jobs: [makeJob({ id: "1" })], nextCursor: null }),
    ]);
    const client = new JobClient({ baseUrl: BASE, fetch: server.fetch });

    const page = await client.listJobs({ status: "completed", jobType: "echo", limit: 5, cursor: "x y" });
    expect(page).toEqual({ jobs: [makeJob({ id: "a" })], nextCursor: null });

    const ids: string[] = [];
    for await (const job of client.iterateJobs({ limit: 2 })) {
      ids.push(job.id);
    }
    expect(ids).toEqual(["3", "2", "1"]);
    expect(server.calls.map((c) => c.url)).toEqual([
      `${BASE}/jobs?status=completed&jobType=echo&limit=5&cursor=x+y`,
      `${BASE}/jobs?limit=2`,
      `${BASE}/jobs?limit=2&cursor=c1`,
    ]);
  });

  it.each([
    {
      name: "the API's JSON error",
      response: () => json({ error: { code: "invalid_transition", message: "job is completed" } }, 409),
      want: { status: 409, code: "invalid_transition", message: "job is completed" },
    },
    {
      name: "a 422 unknown job type",
      response: () => json({ error: { code: "unknown_job_type", message: "unknown job type \"nope\"" } }, 422),
      want: { status: 422, code: "unknown_job_type", message: "unknown job type \"nope\"" },
    },
    {
      name: "an HTML page from a proxy",
      response: () => new Response("<html><body>Bad Gateway</body></html>", { status: 502, headers: { "Content-Type": "text/html" } }),
      want: { status: 502, code: "http_502", message: "<html><body>Bad Gateway</body></html>" },
    },
    {
      name: "an empty body",
      response: () => new Response(null, { status: 500, statusText: "Internal Server Error" }),
      want: { status: 500, code: "http_500", message: "HTTP 500 Internal Server Error" },
    },
    {
      name: "JSON that is not an API error",
      response: () => json({ message: "Unauthorized" }, 401),
      want: { status: 401, code: "http_401", message: "{\"message\":\"Unauthorized\"}" },
    },
  ])("maps $name to JobApiError", async ({ response, want }) => {
    const server = fakeServer([response]);
    const client = new JobClient({ baseUrl: BASE, fetch: server.fetch });
    const err = await client.cancelJob("job-1").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(JobApiError);
    expect(err).toMatchObject({ name: "JobApiError", ...want });
  });

  it("reports a malformed success body as invalid_response", async () => {
    const server = fakeServer([() => new Response("not json", { status: 200 })]);
    const client = new JobClient({ baseUrl: BASE, fetch: server.fetch });
    await expect(client.getJob("job-1")).rejects.toMatchObject({ code: "invalid_response", status: 200 });
  });

  it("getJobIfChanged returns null for 304 and keeps the ETag", async () => {
    const server = fakeServer([() => new Response(null, { status: 304 })]);
    const client = new JobClient({ baseUrl: BASE, fetch: server.fetch });
    await expect(client.getJobIfChanged("job-1", '"3"')).resolves.toEqual({ job: null, etag: '"3"', retryAfterMs: null });
    expect(server.calls[0]!.headers["if-none-match"]).toBe('"3"');
  });
});

describe("JobClient construction and the other calls", () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  // A client built the seed's way uses the global fetch.
  it.each([
    { name: "no argument (the seed's default)", make: () => new JobClient(), want: "/api/jobs/j" },
    { name: "the seed's base URL string", make: () => new JobClient("/base/"), want: "/base/jobs/j" },
    { name: "options without a base URL", make: () => new JobClient({}), want: "/api/jobs/j" },
    { name: "options with a base URL", make: () => new JobClient({ baseUrl: BASE }), want: `${BASE}/jobs/j` },
    { name: "the exported jobClient", make: () => jobClient, want: "/api/jobs/j" },
  ])("$name", async ({ make, want }) => {
    const server = fakeServer([() => json(makeJob({ id: "j" }))]);
    vi.stubGlobal("fetch", server.fetch);
    await make().getJob("j");
    expect(server.calls.map((c) => c.url)).toEqual([want]);
  });

  it("listJobTypes reads GET /job-types", async () => {
    const list = { jobTypes: [{ name: "sleep", description: "sleeps", timeoutSeconds: 60, parameters: [{ name: "seconds", kind: "number" }] }] };
    const server = fakeServer([() => json(list)]);
    const client = new JobClient({ baseUrl: BASE, fetch: server.fetch });
    await expect(client.listJobTypes()).resolves.toEqual(list);
    expect(server.calls[0]!.url).toBe(`${BASE}/job-types`);
  });

  it("reports a request without an answer as JobNetworkError", async () => {
    const cause = new TypeError("fetch failed");
    const server = fakeServer([() => Promise.reject(cause)]);
    const client = new JobClient({ baseUrl: BASE, fetch: server.fetch });
    const err = await client.getJob("job-1").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(JobNetworkError);
    expect(err).toMatchObject({ name: "JobNetworkError", method: "GET", url: `${BASE}/jobs/job-1`, cause });
  });

  it("rejects with the signal's reason, not a network error, when aborted", async () => {
    const server = fakeServer([(call) => Promise.reject(call.signal?.reason)]);
    const client = new JobClient({ baseUrl: BASE, fetch: server.fetch });
    const abort = new AbortController();
    const pending = client.getJob("job-1", { signal: abort.signal }).catch((e: unknown) => e);
    abort.abort(new Error("gone"));
    expect(await pending).toMatchObject({ message: "gone" });
  });

  it("types a job's parameters and result", async () => {
    const server = fakeServer([() => json(makeJob({ parameters: { seconds: 3 } }), 201)]);
    const client = new JobClient({ baseUrl: BASE, fetch: server.fetch });
    const created = await client.createJob<{ seconds: number }, { sleptSeconds: number }>({ jobType: "sleep", parameters: { seconds: 3 } });
    expectTypeOf(created).toEqualTypeOf<CreatedJob<{ seconds: number }, { sleptSeconds: number }>>();
    expectTypeOf(created.parameters.seconds).toEqualTypeOf<number>();
    expectTypeOf(created.result).toEqualTypeOf<{ sleptSeconds: number } | null>();
    expectTypeOf(created.jobId).toEqualTypeOf<string>();
    expectTypeOf(client.getJobAssets).returns.resolves.toEqualTypeOf<AssetList>();
    expectTypeOf(client.pollJob<{ seconds: number }, { sleptSeconds: number }>).returns.resolves.toEqualTypeOf<
      Job<{ seconds: number }, { sleptSeconds: number }>
    >();
    expect(created.jobId).toBe(created.id);
  });
});

describe("nextPollDelayMs", () => {
  it.each([
    { retryAfterMs: null, intervalMs: 2000, want: 2000 },
    { retryAfterMs: null, intervalMs: 50, want: 50 },
    { retryAfterMs: 0, intervalMs: 50, want: 1000 },
    { retryAfterMs: 4000, intervalMs: 50, want: 4000 },
    { retryAfterMs: 31_000, intervalMs: 50, want: 30_000 },
  ])("$retryAfterMs, $intervalMs -> $want", ({ retryAfterMs, intervalMs, want }) => {
    expect(nextPollDelayMs(retryAfterMs, intervalMs)).toBe(want);
  });
});

describe("parseRetryAfter", () => {
  const now = Date.parse("2025-01-01T00:00:00Z");
  it.each([
    { value: null, want: null },
    { value: "0", want: 0 },
    { value: "3", want: 3000 },
    { value: " 12 ", want: 12000 },
    { value: "Wed, 01 Jan 2025 00:00:07 GMT", want: 7000 },
    { value: "Tue, 31 Dec 2024 23:59:00 GMT", want: 0 },
    { value: "soon", want: null },
    { value: "-5", want: 0 },
  ])("$value -> $want ms", ({ value, want }) => {
    expect(parseRetryAfter(value, now)).toBe(want);
  });
});
