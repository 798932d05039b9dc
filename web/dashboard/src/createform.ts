// The New job form: the job types from the server, one input per parameter
// field kept in step with the JSON parameters that are sent, max attempts
// and priority.

import type { CreateJobRequest, JobClient, JobType, JobTypeParameter, JsonObject } from "@jobline/client";

import { element, newIdempotencyKey, option } from "./dom.js";
import { describeJobType, exampleParameters, fieldInput, parseParameters, readField, writeField } from "./form.js";
import { describeError } from "./format.js";

/** CreateForm runs the New job form; onCreated gets each job it creates. */
export class CreateForm {
  private types: JobType[] = [];
  private fields: Array<{ name: string; kind: JobTypeParameter["kind"]; input: HTMLInputElement }> = [];

  private readonly form = element<HTMLFormElement>("create-form");
  private readonly typeSelect = element<HTMLSelectElement>("job-type");
  private readonly typeHelp = element("job-type-help");
  private readonly fieldBox = element("param-fields");
  private readonly paramsInput = element<HTMLTextAreaElement>("job-params");
  private readonly paramsError = element("params-error");
  private readonly maxAttemptsInput = element<HTMLInputElement>("max-attempts");
  private readonly priorityInput = element<HTMLInputElement>("priority");
  private readonly createError = element("create-error");
  private readonly submit = element<HTMLButtonElement>("create-job");

  constructor(
    private readonly client: JobClient,
    private readonly onCreated: (jobId: string) => void,
  ) {}

  /** Start loads the job types and wires the form; it resolves with the types (empty if they could not be read). */
  async start(): Promise<JobType[]> {
    this.typeSelect.addEventListener("change", () => this.showType());
    this.paramsInput.addEventListener("input", () => this.fromJson());
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      void this.create();
    });
    this.submit.disabled = true;
    try {
      this.types = (await this.client.listJobTypes()).jobTypes;
    } catch (err) {
      this.showCreateError(`Could not load the job types: ${describeError(err)}`);
      return [];
    }
    this.typeSelect.replaceChildren(...this.types.map((t) => option(t.name, t.name)));
    this.submit.disabled = false;
    this.showType();
    return this.types;
  }

  /** ShowType builds the fields of the selected type, filled with example values. */
  private showType(): void {
    const type = this.types.find((t) => t.name === this.typeSelect.value);
    this.typeHelp.textContent = describeJobType(type);
    this.fields = [];
    const wrappers: HTMLElement[] = [];
    for (const field of type?.parameters ?? []) {
      const { wrapper, input } = fieldInput(field);
      input.addEventListener(field.kind === "boolean" ? "change" : "input", () => this.fromFields());
      this.fields.push({ name: field.name, kind: field.kind, input });
      wrappers.push(wrapper);
    }
    this.fieldBox.replaceChildren(...wrappers);
    this.fieldBox.hidden = wrappers.length === 0;
    this.paramsInput.value = JSON.stringify(exampleParameters(type), null, 2);
    this.fromJson();
  }

  /** FromFields writes the fields' values into the JSON parameters. */
  private fromFields(): void {
    const parsed = parseParameters(this.paramsInput.value);
    const params: JsonObject = parsed.ok ? { ...parsed.value } : {};
    for (const field of this.fields) {
      const value = readField(field.kind, field.input);
      if (value === undefined) {
        delete params[field.name];
      } else {
        params[field.name] = value;
      }
    }
    this.paramsInput.value = JSON.stringify(params, null, 2);
    this.validate();
  }

  /** FromJson shows the JSON parameters' values in the fields, when the JSON is an object. */
  private fromJson(): void {
    const params = this.validate();
    if (params === null) return;
    for (const field of this.fields) {
      writeField(field.kind, field.input, params[field.name]);
    }
  }

  /** Validate checks the JSON parameters, shows why they are wrong, and returns them when right. */
  private validate(): JsonObject | null {
    const parsed = parseParameters(this.paramsInput.value);
    this.paramsError.hidden = parsed.ok;
    this.paramsError.textContent = parsed.ok ? "" : parsed.message;
    if (parsed.ok) {
      this.paramsInput.removeAttribute("aria-invalid");
      return parsed.value;
    }
    this.paramsInput.setAttribute("aria-invalid", "true");
    return null;
  }

  private async create(): Promise<void> {
    this.createError.hidden = true;
    const parameters = this.validate();
    if (parameters === null) {
      this.paramsInput.focus();
      return;
    }
    const request: CreateJobRequest = { jobType: this.typeSelect.value, parameters };
    if (this.maxAttemptsInput.value !== "") request.maxAttempts = Number(this.maxAttemptsInput.value);
    if (this.priorityInput.value !== "") request.priority = Number(this.priorityInput.value);
    this.submit.disabled = true;
    try {
      const job = await this.client.createJob(request, { idempotencyKey: newIdempotencyKey() });
      this.onCreated(job.jobId);
    } catch (err) {
      this.showCreateError(describeError(err));
    } finally {
      this.submit.disabled = false;
    }
  }

  private showCreateError(message: string): void {
    this.createError.hidden = false;
    this.createError.textContent = message;
  }
}
