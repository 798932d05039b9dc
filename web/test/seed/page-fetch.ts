// Setup of the seed suite: makes this Node process's fetch behave like the
// fetch of a page served by the dev server, so that the seed's client runs
// unchanged. A page resolves "/api/jobs" against its own origin; here that
// origin is the dev server the global setup started. And the page's user
// is known to the server without the client's help (a session, or a proxy
// that sets the header): the dev server's identity is X-User-Id, added here.

import { randomUUID } from "node:crypto";

import { inject } from "vitest";

const origin = inject("baseUrl");
const userId = `seed-${randomUUID().slice(0, 8)}`;
const nodeFetch = globalThis.fetch;

globalThis.fetch = (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
  const url = typeof input === "string" || input instanceof URL ? new URL(input, origin) : new URL(input.url, origin);
  const headers = new Headers(init?.headers);
  headers.set("X-User-Id", userId);
  return nodeFetch(url, { ...init, headers });
};
