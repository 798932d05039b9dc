import { describe, expect, it } from "vitest";

import { parseParameters } from "../../src/dashboard.js";

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
