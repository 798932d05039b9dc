// Small DOM helpers of the dashboard.

/** Element returns the element with this id, which static/index.html must have. */
export function element<T extends HTMLElement = HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (found === null) {
    throw new Error(`dashboard: missing element #${id}`);
  }
  return found as T;
}

/** Option makes a select's option. */
export function option(value: string, text: string): HTMLOptionElement {
  const o = document.createElement("option");
  o.value = value;
  o.textContent = text;
  return o;
}

/** MarkCurrent marks a navigation link as the page shown (aria-current), or not. */
export function markCurrent(link: HTMLElement, current: boolean): void {
  if (current) link.setAttribute("aria-current", "page");
  else link.removeAttribute("aria-current");
}

/** NewIdempotencyKey is a fresh key for one create, so a retried click cannot make two jobs. */
export function newIdempotencyKey(): string {
  if (typeof crypto.randomUUID === "function") {
    return crypto.randomUUID();
  }
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
