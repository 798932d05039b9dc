// The create form's parameters, built from the server's job types
// (GET /job-types): one input per parameter field, kept in step with the
// JSON text that is sent, and the checks of that text.

import type { JobType, JobTypeParameter, JsonObject, JsonValue } from "@jobline/client";

/** ParsedParameters is the JSON field read: an object, or why not. */
export type ParsedParameters = { ok: true; value: JsonObject } | { ok: false; message: string };

/** ParseParameters validates the JSON field: it must hold a JSON object (empty means {}). */
export function parseParameters(text: string): ParsedParameters {
  if (text.trim() === "") {
    return { ok: true, value: {} };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { ok: false, message: `Not valid JSON: ${err instanceof Error ? err.message : String(err)}` };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return { ok: false, message: 'Parameters must be a JSON object, like {"seconds": 5}.' };
  }
  return { ok: true, value: value as JsonObject };
}

/** ExampleValue is a field's starting value, by its JSON kind. */
export function exampleValue(kind: JobTypeParameter["kind"]): JsonValue {
  switch (kind) {
    case "integer":
    case "number":
      return 1;
    case "boolean":
      return false;
    case "string":
      return "";
    case "array":
      return [];
    case "object":
      return {};
    default:
      return null;
  }
}

/**
 * ExampleParameters is the parameters a form starts with for a job type:
 * each field at its kind's example value; {} for a type that takes any
 * object.
 */
export function exampleParameters(type: JobType | undefined): JsonObject {
  const out: JsonObject = {};
  for (const field of type?.parameters ?? []) {
    const value = exampleValue(field.kind);
    if (value !== null) out[field.name] = value;
  }
  return out;
}

/** DescribeJobType is the help line under the type select. */
export function describeJobType(type: JobType | undefined): string {
  if (type === undefined) return "";
  const fields =
    type.parameters === null
      ? "Parameters: any JSON object."
      : type.parameters.length === 0
        ? "No parameters."
        : `Parameters: ${type.parameters.map((p) => `${p.name} (${p.kind})`).join(", ")}.`;
  const description = type.description === "" ? "" : `${capitalize(type.description)}. `;
  return `${description}${fields} Each attempt may run ${formatSeconds(type.timeoutSeconds)}.`;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function formatSeconds(seconds: number): string {
  if (seconds % 60 === 0) return `${seconds / 60} min`;
  return `${seconds} s`;
}

/**
 * ReadField turns an input's text into the field's JSON value, or
 * undefined when the text is not one (the JSON field then keeps its value).
 */
export function readField(kind: JobTypeParameter["kind"], input: HTMLInputElement): JsonValue | undefined {
  switch (kind) {
    case "boolean":
      return input.checked;
    case "string":
      return input.value;
    case "integer":
    case "number": {
      if (input.value.trim() === "") return undefined;
      const n = Number(input.value);
      return Number.isFinite(n) ? n : undefined;
    }
    default: {
      const parsed = parseParameters(`{"v": ${input.value}}`);
      return parsed.ok ? parsed.value["v"] : undefined;
    }
  }
}

/** WriteField shows a field's JSON value in its input. */
export function writeField(kind: JobTypeParameter["kind"], input: HTMLInputElement, value: JsonValue | undefined): void {
  if (kind === "boolean") {
    input.checked = value === true;
  } else if (kind === "string") {
    input.value = typeof value === "string" ? value : "";
  } else if (kind === "integer" || kind === "number") {
    input.value = typeof value === "number" ? String(value) : "";
  } else {
    input.value = value === undefined ? "" : JSON.stringify(value);
  }
}

/** FieldInput makes the labelled input of one parameter field. */
export function fieldInput(field: JobTypeParameter): { wrapper: HTMLElement; input: HTMLInputElement } {
  const wrapper = document.createElement("div");
  wrapper.className = "param-field";
  const input = document.createElement("input");
  input.id = `param-${field.name}`;
  input.name = field.name;
  input.dataset["testid"] = "param-field";
  input.dataset["param"] = field.name;
  input.spellcheck = false;
  switch (field.kind) {
    case "boolean":
      input.type = "checkbox";
      break;
    case "integer":
      input.type = "number";
      input.step = "1";
      break;
    case "number":
      input.type = "number";
      input.step = "any";
      break;
    default:
      input.type = "text";
  }
  const label = document.createElement("label");
  label.htmlFor = input.id;
  label.textContent = `${field.name} `;
  const kind = document.createElement("span");
  kind.className = "kind";
  kind.textContent = field.kind === "any" || field.kind === "array" || field.kind === "object" ? `(${field.kind}, JSON)` : `(${field.kind})`;
  label.append(kind);
  wrapper.append(label, input);
  return { wrapper, input };
}
