// Code written exactly against the specification's seed client:
//
//   export class JobClient {
//     constructor(private baseUrl: string = '/api') {}
//     async createJob(request: CreateJobRequest): Promise<{ jobId: string }>
//     async getJob(jobId: string): Promise<JobStatusResponse>
//     async getJobAssets(jobId: string): Promise<{ assets: Asset[] }>
//     async pollJob(jobId: string, onProgress?: (job: JobStatusResponse) => void, intervalMs: number = 2000): Promise<JobStatusResponse>
//     // resolves on completed or partial, rejects with an Error carrying errorMessage on failed
//   }
//   export const jobClient = new JobClient();
//
// run against the dev server as a page it serves would run it (see
// page-fetch.ts). Nothing here uses what Jobline's client adds.

import { describe, expect, it } from "vitest";

import { JobClient, jobClient, type Asset, type CreateJobRequest, type JobStatusResponse } from "@jobline/client";

describe("the seed's JobClient, unchanged, against the dev server", () => {
  it("creates a report job, polls it to completed and lists its file", async () => {
    const client = new JobClient("/api");
    const request: CreateJobRequest = { jobType: "report", parameters: { rows: 2 } };
    const { jobId } = await client.createJob(request);
    expect(typeof jobId).toBe("string");

    const seen: JobStatusResponse[] = [];
    const job = await client.pollJob(jobId, (j) => seen.push(j), 200);
    expect(job.status).toBe("completed");
    expect(job.progress).toBe(100);
    expect(seen.at(-1)?.status).toBe("completed");

    const { assets }: { assets: Asset[] } = await client.getJobAssets(jobId);
    expect(assets).toHaveLength(1);
    expect(assets[0]?.jobId).toBe(jobId);
    const file = await fetch(assets[0]!.url);
    expect(await file.text()).toBe("row,square\n1,1\n2,4\n");
  });

  it("getJob reads the job created", async () => {
    const client = new JobClient();
    const { jobId } = await client.createJob({ jobType: "echo", parameters: { hello: "seed" } });
    const job: JobStatusResponse = await client.getJob(jobId);
    expect(job.id).toBe(jobId);
    expect(job.jobType).toBe("echo");
    expect(job.parameters).toEqual({ hello: "seed" });
  });

  it("resolves on partial", async () => {
    const { jobId } = await jobClient.createJob({ jobType: "partial" });
    const job = await jobClient.pollJob(jobId);
    expect(job.status).toBe("partial");
  });

  it("rejects with an Error carrying errorMessage when the job fails", async () => {
    const { jobId } = await jobClient.createJob({ jobType: "fail", maxAttempts: 1 });
    const err = await jobClient.pollJob(jobId, undefined, 100).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    const failed = await jobClient.getJob(jobId);
    expect(failed.status).toBe("failed");
    expect(failed.errorMessage).toBeTruthy();
    expect((err as Error).message).toBe(failed.errorMessage);
  });

  it("follows progress with the default interval", async () => {
    const { jobId } = await jobClient.createJob({ jobType: "sleep", parameters: { seconds: 2 } });
    const progress: number[] = [];
    const job = await jobClient.pollJob(jobId, (j) => progress.push(j.progress));
    expect(job.status).toBe("completed");
    expect(progress.at(-1)).toBe(100);
  });
});
