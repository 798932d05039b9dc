// AdminClient with a fake fetch: the path, query and body of every call,
// the caller's headers, me() telling admins from others by the 404, and
// errors passed on as JobApiError.

import { describe, expect, expectTypeOf, it } from "vitest";

import {
  AdminClient,
  JobApiError,
  type AdminJobDetail,
  type FetchFunction,
  type JsonObject,
  type RedriveAction,
} from "../../client/src/index.js";

const BASE = "http://api.test/api";

interface Call {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string | null;
}

/** Recorder answers every request with answer and records the calls. */
function recorder(answer: (call: Call) => Response = () => json({})): { fetch: FetchFunction; calls: Call[] } {
  const calls: Call[] = [];
  const fetch: FetchFunction = async (input, init) => {
    const headers: Record<string, string> = {};
    new Headers(init.headers).forEach((value, key) => {
      headers[key] = value;
    });
    const call: Call = { method: init.method ?? "GET", url: input, headers, body: typeof init.body === "string" ? init.body : null };
    calls.push(call);
    return answer(call);
  };
  return { fetch, calls };
}

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
}

function notFound(path: string): Response {
  return json({ error: { code: "not_found", message: `no such route: ${path}` } }, 404);
}

describe("AdminClient", () => {
  it("sends each call to its admin route, with the caller's headers", async () => {
    const server = recorder();
    const admin = new AdminClient({ baseUrl: `${BASE}/`, fetch: server.fetch, getHeaders: () => ({ "X-User-Id": "ops" }) });

    await admin.listJobs();
    await admin.listJobs({ status: "failed", jobType: "report", owner: "alice b", limit: 50, cursor: "c/1" });
    await admin.listJobs({ owner: "", cursor: null });
    await admin.getJob("id/with?odd#chars");
    await admin.cancelJob("j1");
    await admin.cancelJob("j2", { reason: "customer asked" });
    await admin.getQueues();
    await admin.listDeadLetters();
    await admin.listDeadLetters({ max: 500 });
    await admin.redrive({ jobIds: ["a", "b"], reason: "fixed", dryRun: true });
    await admin.redrive({ all: true, jobType: "flaky", max: 10 });
    await admin.getMetrics();
    await admin.getMetrics({ window: "15m" });

    expect(server.calls.map((c) => [c.method, c.url.slice(BASE.length), c.body])).toEqual([
      ["GET", "/admin/jobs", null],
      ["GET", "/admin/jobs?status=failed&jobType=report&owner=alice+b&limit=50&cursor=c%2F1", null],
      ["GET", "/admin/jobs", null],
      ["GET", "/admin/jobs/id%2Fwith%3Fodd%23chars", null],
      ["POST", "/admin/jobs/j1/cancel", null],
      ["POST", "/admin/jobs/j2/cancel", '{"reason":"customer asked"}'],
      ["GET", "/admin/queues", null],
      ["GET", "/admin/dlq", null],
      ["GET", "/admin/dlq?max=500", null],
      ["POST", "/admin/dlq/redrive", '{"jobIds":["a","b"],"reason":"fixed","dryRun":true}'],
      ["POST", "/admin/dlq/redrive", '{"all":true,"jobType":"flaky","max":10}'],
      ["GET", "/admin/metrics", null],
      ["GET", "/admin/metrics?window=15m", null],
    ]);
    for (const call of server.calls) {
      expect(call.headers["x-user-id"]).toBe("ops");
      expect(call.headers["accept"]).toBe("application/json");
      expect(call.headers["content-type"]).toBe(call.body === null ? undefined : "application/json");
    }
  });

  it("sends the bearer token when given one", async () => {
    const server = recorder(() => json({ userId: "sub-1", admin: true }));
    const admin = new AdminClient({ baseUrl: BASE, fetch: server.fetch, getToken: () => "t0ken" });
    await admin.me();
    expect(server.calls[0]?.headers["authorization"]).toBe("Bearer t0ken");
  });

  it("me() resolves the admin, and null for a 404 (not an admin, or no admin API)", async () => {
    const admin = new AdminClient({ baseUrl: BASE, fetch: recorder(() => json({ userId: "ops", admin: true })).fetch });
    await expect(admin.me()).resolves.toEqual({ userId: "ops", admin: true });

    const user = new AdminClient({ baseUrl: BASE, fetch: recorder(() => notFound("/admin/me")).fetch });
    await expect(user.me()).resolves.toBeNull();

    // API Gateway's own 404 for a stack without the route.
    const gateway = new AdminClient({ baseUrl: BASE, fetch: recorder(() => json({ message: "Not Found" }, 404)).fetch });
    await expect(gateway.me()).resolves.toBeNull();
  });

  it("me() passes other errors on", async () => {
    const admin = new AdminClient({
      baseUrl: BASE,
      fetch: recorder(() => json({ error: { code: "unavailable", message: "try again" } }, 503)).fetch,
    });
    await expect(admin.me()).rejects.toMatchObject({ name: "JobApiError", status: 503, code: "unavailable" });
  });

  it("rejects a non-admin's calls with the 404 not_found", async () => {
    const admin = new AdminClient({ baseUrl: BASE, fetch: recorder(() => notFound("/admin/jobs")).fetch });
    const err: unknown = await admin.listJobs().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(JobApiError);
    expect(err).toMatchObject({ status: 404, code: "not_found", message: "no such route: /admin/jobs" });
  });

  it("rejects a finished job's cancel with invalid_transition", async () => {
    const admin = new AdminClient({
      baseUrl: BASE,
      fetch: recorder(() => json({ error: { code: "invalid_transition", message: "job is completed" } }, 409)).fetch,
    });
    await expect(admin.cancelJob("j1", { reason: "late" })).rejects.toMatchObject({ status: 409, code: "invalid_transition" });
  });

  it("aborts with the signal's reason", async () => {
    const admin = new AdminClient({ baseUrl: BASE, fetch: recorder().fetch });
    const abort = new AbortController();
    abort.abort(new Error("stop"));
    await expect(admin.getQueues({ signal: abort.signal })).rejects.toThrow("stop");
  });

  it("types the answers as the API's JSON", () => {
    expectTypeOf<AdminJobDetail["timeline"][number]["type"]>().toEqualTypeOf<"attempt-started" | "attempt-ended" | "redrive" | "cancel">();
    expectTypeOf<AdminJobDetail["parameters"]>().toEqualTypeOf<JsonObject>();
    expectTypeOf<AdminJobDetail["owner"]>().toEqualTypeOf<string>();
    expectTypeOf<AdminJobDetail<{ rows: number }>["parameters"]>().toEqualTypeOf<{ rows: number }>();
    expectTypeOf<RedriveAction>().toEqualTypeOf<
      "redriven" | "removed-stale" | "skipped" | "not-found" | "would-redrive" | "would-remove-stale"
    >();
    expectTypeOf<AdminClient["redrive"]>().parameter(0).toHaveProperty("dryRun");
  });
});
