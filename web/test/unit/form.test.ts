import { describe, expect, it } from "vitest";

import type { JobType } from "../../client/src/index.js";
import { describeJobType, exampleParameters, parseParameters } from "../../dashboard/src/form.js";

describe("parseParameters (the dashboard's JSON field)", () => {
  it.each([
    { text: "", want: { ok: true, value: {} } },
    { text: "  ", want: { ok: true, value: {} } },
    { text: '{"seconds": 5}', want: { ok: true, value: { seconds: 5 } } },
    { text: '{"nested": {"a": [1, 2]}}', want: { ok: true, value: { nested: { a: [1, 2] } } } },
  ])("accepts $text", ({ text, want }) => {
    expect(parseParameters(text)).toEqual(want);
  });

  it.each([
    { text: "[1, 2]", message: /must be a JSON object/ },
    { text: "null", message: /must be a JSON object/ },
    { text: "5", message: /must be a JSON object/ },
    { text: '"text"', message: /must be a JSON object/ },
    { text: "{seconds: 5}", message: /^Not valid JSON/ },
    { text: '{"a": 1,}', message: /^Not valid JSON/ },
  ])("rejects $text", ({ text, message }) => {
    const parsed = parseParameters(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.message).toMatch(message);
  });
});

describe("the form built from GET /job-types", () => {
  const sleep: JobType = {
    name: "sleep",
    description: "sleeps for a number of seconds, reporting progress",
    timeoutSeconds: 60,
    parameters: [{ name: "seconds", kind: "number" }],
  };
  const mixed: JobType = {
    name: "mixed",
    description: "",
    timeoutSeconds: 45,
    parameters: [
      { name: "n", kind: "integer" },
      { name: "label", kind: "string" },
      { name: "dry", kind: "boolean" },
      { name: "items", kind: "array" },
      { name: "options", kind: "object" },
      { name: "anything", kind: "any" },
    ],
  };
  const echo: JobType = { name: "echo", description: "returns its parameters as its result", timeoutSeconds: 300, parameters: null };

  it("starts each field at an example value of its kind", () => {
    expect(exampleParameters(sleep)).toEqual({ seconds: 1 });
    expect(exampleParameters(mixed)).toEqual({ n: 1, label: "", dry: false, items: [], options: {} });
    expect(exampleParameters(echo)).toEqual({});
    expect(exampleParameters(undefined)).toEqual({});
  });

  it("describes a type with its fields and timeout", () => {
    expect(describeJobType(sleep)).toBe("Sleeps for a number of seconds, reporting progress. Parameters: seconds (number). Each attempt may run 1 min.");
    expect(describeJobType(echo)).toBe("Returns its parameters as its result. Parameters: any JSON object. Each attempt may run 5 min.");
    expect(describeJobType({ ...mixed, parameters: [] })).toBe("No parameters. Each attempt may run 45 s.");
  });
});
