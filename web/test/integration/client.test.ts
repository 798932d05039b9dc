// The client, as published (@jobline/client, built), against a real dev
// server (started by the global setup): create, poll to the end, list
// pages, assets, cancel, job types, errors.

import { randomUUID } from "node:crypto";

import { describe, expect, inject, it } from "vitest";

import {
  JobApiError,
  JobCanceledError,
  JobClient,
  JobFailedError,
  JobNetworkError,
  type Asset,
  type FetchFunction,
  type Job,
} from "@jobline/client";

const baseUrl = inject("baseUrl");

// Every key of the TypeScript types, checked against the server's JSON
// below; `satisfies` makes the compiler check the lists against the types.
// The keys marked false are optional: the server may leave them out.
const JOB_KEYS = {
  id: true, jobType: true, status: true, progress: true, errorMessage: true, parameters: true, result: true,
  priority: true, attempt: true, maxAttempts: true, createdAt: true, updatedAt: true, completedAt: true,
  attempts: true,
} satisfies Record<keyof Job, boolean>;
const ASSET_KEYS = Object.keys({
  id: true, jobId: true, assetType: true, url: true, storagePath: true, fileSize: true, metadata: true, createdAt: true,
} satisfies Record<keyof Asset, true>).sort();

/** Setup returns a client for a fresh user and the HTTP statuses it saw. */
function setup(): { client: JobClient; userId: string; statuses: number[] } {
  const userId = `it-${randomUUID()}`;
  const statuses: number[] = [];
  const recording: FetchFunction = async (input, init) => {
    const response = await fetch(input, init);
    statuses.push(response.status);
    return response;
  };
  const client = new JobClient({ baseUrl: `${baseUrl}/api`, fetch: recording, getHeaders: () => ({ "X-User-Id": userId }) });
  return { client, userId, statuses };
}

async function waitForStatus(client: JobClient, jobId: string, status: Job["status"], timeoutMs = 20_000): Promise<Job> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = await client.getJob(jobId);
    if (job.status === status) return job;
    if (Date.now() > deadline) throw new Error(`job ${jobId} is ${job.status}, want ${status}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("JobClient against the dev server", { concurrent: true }, () => {
  it("creates an echo job and polls it to completed", async () => {
    const { client } = setup();
    const created = await client.createJob({ jobType: "echo", parameters: { hello: "world", n: 2 } });
    expect(created).toMatchObject({ jobType: "echo", parameters: { hello: "world", n: 2 }, attempt: 0, maxAttempts: 3 });
    expect(created.jobId).toBe(created.id);
    expect(["queued", "processing", "completed"]).toContain(created.status);

    const job = await client.pollJob(created.id);
    expect(job.status).toBe("completed");
    expect(job.result).toEqual({ hello: "world", n: 2 });
    expect(job.completedAt).not.toBeNull();
    expect(job.errorMessage).toBeNull();
  });

  it("follows a sleep job's progress at the server's pace, and a 304 is cheap", async () => {
    const { client, statuses } = setup();
    const created = await client.createJob({ jobType: "sleep", parameters: { seconds: 3 } });
    const progress: number[] = [];

    // Reads every 100 ms unless the server's Retry-After says otherwise.
    const job = await client.pollJob(created.id, { intervalMs: 100, onProgress: (j) => progress.push(j.progress) });

    expect(job.status).toBe("completed");
    expect(job.progress).toBe(100);
    expect(job.result).toEqual({ sleptSeconds: 3 });
    expect(progress.at(-1)).toBe(100);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(progress.some((p) => p > 0 && p < 100)).toBe(true);
    // Each answer's Retry-After (the server's estimate of the next change)
    // spaces the reads: a few for a 3-second job, not one every 250 ms.
    expect(statuses.filter((s) => s === 200 || s === 304).length).toBeLessThanOrEqual(5);
    const final = await client.getJobIfChanged(job.id, null);
    expect(final.job?.status).toBe("completed");
    // A final job carries no poll hint.
    expect(await client.getJobIfChanged(job.id, final.etag)).toEqual({ job: null, etag: final.etag, retryAfterMs: null });
    expect(statuses.at(-1)).toBe(304);
  });

  it("replays an idempotent create and rejects a conflicting one", async () => {
    const { client } = setup();
    const key = randomUUID();
    const first = await client.createJob({ jobType: "echo", parameters: { a: 1 } }, { idempotencyKey: key });
    const replay = await client.createJob({ jobType: "echo", parameters: { a: 1 } }, { idempotencyKey: key });
    expect(replay.id).toBe(first.id);

    const err = await client.createJob({ jobType: "echo", parameters: { a: 2 } }, { idempotencyKey: key }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(JobApiError);
    expect(err).toMatchObject({ status: 409, code: "idempotency_conflict" });
  });

  it("rejects pollJob with the server's error when a job fails", async () => {
    const { client } = setup();
    const created = await client.createJob({ jobType: "fail", maxAttempts: 2 });
    const err = await client.pollJob(created.id).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(JobFailedError);
    const failed = (err as JobFailedError).job;
    expect(failed.status).toBe("failed");
    expect(failed.attempt).toBe(2);
    expect(failed.errorMessage).toBeTruthy();
    expect((err as Error).message).toBe(failed.errorMessage);
  });

  it("resolves pollJob on partial", async () => {
    const { client } = setup();
    const created = await client.createJob({ jobType: "partial" });
    const job = await client.pollJob(created.id);
    expect(job.status).toBe("partial");
    expect(job.result).toMatchObject({ done: expect.any(Array), failed: expect.any(Array) });
  });

  it("lists a report job's asset and downloads it", async () => {
    const { client, userId } = setup();
    const created = await client.createJob({ jobType: "report", parameters: { rows: 3 } });
    await client.pollJob(created.id);

    const { assets } = await client.getJobAssets(created.id);
    expect(assets).toHaveLength(1);
    const asset = assets[0]!;
    expect(asset).toMatchObject({ jobId: created.id, assetType: "report" });
    const want = "row,square\n1,1\n2,4\n3,9\n";
    expect(asset.fileSize).toBe(want.length);

    const download = await fetch(new URL(asset.url, baseUrl), { headers: { "X-User-Id": userId } });
    expect(download.status).toBe(200);
    expect(await download.text()).toBe(want);
  });

  it("pages through the user's jobs newest first", async () => {
    const { client } = setup();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push((await client.createJob({ jobType: "echo", parameters: { i } })).id);
    }
    const newestFirst = [...ids].reverse();

    const first = await client.listJobs({ limit: 2 });
    expect(first.jobs.map((j) => j.id)).toEqual(newestFirst.slice(0, 2));
    expect(first.nextCursor).not.toBeNull();
    const second = await client.listJobs({ limit: 2, cursor: first.nextCursor });
    expect(second.jobs.map((j) => j.id)).toEqual(newestFirst.slice(2, 4));
    const third = await client.listJobs({ limit: 2, cursor: second.nextCursor });
    expect(third.jobs.map((j) => j.id)).toEqual(newestFirst.slice(4));
    expect(third.nextCursor).toBeNull();

    const all: string[] = [];
    for await (const job of client.iterateJobs({ limit: 2, jobType: "echo" })) all.push(job.id);
    expect(all).toEqual(newestFirst);
  });

  it("cancels a running job; pollJob rejects and a second cancel conflicts", async () => {
    const { client } = setup();
    const created = await client.createJob({ jobType: "sleep", parameters: { seconds: 30 } });
    await waitForStatus(client, created.id, "processing");
    const watching = client.pollJob(created.id).catch((e: unknown) => e);

    const canceled = await client.cancelJob(created.id);
    expect(canceled.status).toBe("canceled");
    expect(await watching).toBeInstanceOf(JobCanceledError);

    await expect(client.cancelJob(created.id)).rejects.toMatchObject({ status: 409, code: "invalid_transition" });
  });

  it("stops polling at once when aborted", async () => {
    const { client } = setup();
    const created = await client.createJob({ jobType: "sleep", parameters: { seconds: 30 } });
    const abort = new AbortController();
    const started = Date.now();
    setTimeout(() => abort.abort(), 300);

    await expect(client.pollJob(created.id, { signal: abort.signal })).rejects.toMatchObject({ name: "AbortError" });
    expect(Date.now() - started).toBeLessThan(2000);
    await client.cancelJob(created.id);
  });

  it("hides other users' jobs and maps API errors", async () => {
    const alice = setup();
    const bob = setup();
    const job = await alice.client.createJob({ jobType: "echo" });

    await expect(bob.client.getJob(job.id)).rejects.toMatchObject({ status: 404, code: "job_not_found" });
    await expect(bob.client.cancelJob(job.id)).rejects.toMatchObject({ status: 404, code: "job_not_found" });
    await expect(alice.client.createJob({ jobType: "no-such-type" })).rejects.toMatchObject({
      status: 422,
      code: "unknown_job_type",
      message: 'unknown job type "no-such-type"; valid types: echo, fail, flaky, partial, report, sleep',
    });
    await expect(alice.client.createJob({ jobType: "sleep", parameters: { seconds: 999 } })).rejects.toMatchObject({
      status: 400,
      code: "invalid_request",
    });
    const anonymous = new JobClient({ baseUrl: `${baseUrl}/api` });
    await expect(anonymous.listJobs()).rejects.toMatchObject({
      status: 401,
      code: "unauthorized",
      message: expect.stringContaining("send the X-User-Id header"),
    });
    await expect(new JobClient({ baseUrl: "http://127.0.0.1:1" }).getJob(job.id)).rejects.toBeInstanceOf(JobNetworkError);
  });

  it("gets JSON whose keys and value types are exactly the client's types", async () => {
    const { client, userId } = setup();
    const created = await client.createJob({ jobType: "report", parameters: { rows: 1 } });
    await client.pollJob(created.id);
    const headers = { "X-User-Id": userId };

    const job = (await (await fetch(`${baseUrl}/api/jobs/${created.id}`, { headers })).json()) as Record<string, unknown>;
    const keys = Object.keys(job);
    const required = Object.entries(JOB_KEYS).filter(([, always]) => always).map(([key]) => key);
    expect(keys.filter((key) => !(key in JOB_KEYS))).toEqual([]);
    expect(required.filter((key) => !keys.includes(key))).toEqual([]);
    expect(job).toMatchObject({
      id: expect.any(String),
      jobType: "report",
      status: "completed",
      progress: 100,
      errorMessage: null,
      parameters: { rows: 1 },
      result: expect.any(Object),
      priority: 0,
      attempt: 1,
      maxAttempts: 3,
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      updatedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      completedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });

    const body = (await (await fetch(`${baseUrl}/api/jobs/${created.id}/assets`, { headers })).json()) as {
      assets: Array<Record<string, unknown>>;
    };
    expect(Object.keys(body)).toEqual(["assets"]);
    expect(Object.keys(body.assets[0]!).sort()).toEqual(ASSET_KEYS);
    expect(body.assets[0]).toMatchObject({
      jobId: created.id,
      url: expect.any(String),
      storagePath: expect.any(String),
      fileSize: expect.any(Number),
      createdAt: expect.any(String),
    });

    const list = (await (await fetch(`${baseUrl}/api/jobs?limit=1`, { headers })).json()) as Record<string, unknown>;
    expect(Object.keys(list).sort()).toEqual(["jobs", "nextCursor"]);
  });

  it("lists the job types with their parameter fields", async () => {
    const { client } = setup();
    const { jobTypes } = await client.listJobTypes();
    expect(jobTypes.map((t) => t.name)).toEqual(["echo", "fail", "flaky", "partial", "report", "sleep"]);
    expect(jobTypes.find((t) => t.name === "sleep")).toMatchObject({
      description: expect.stringContaining("sleeps"),
      timeoutSeconds: expect.any(Number),
      parameters: [{ name: "seconds", kind: "number" }],
    });
    expect(jobTypes.find((t) => t.name === "echo")?.parameters).toBeNull();
  });

  it("serves the same API at the root and under /api", async () => {
    const { client, userId } = setup();
    const created = await client.createJob({ jobType: "echo" });
    const atRoot = new JobClient({ baseUrl, getHeaders: () => ({ "X-User-Id": userId }) });
    await expect(atRoot.getJob(created.id)).resolves.toMatchObject({ id: created.id });
  });
});
