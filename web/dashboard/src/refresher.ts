// Refresher: one load at a time, again and again. A new run aborts the
// load in flight, so that an older answer (of other filters, or one page
// shorter) can never overwrite a newer one; each load says how long to
// wait before the next.

/** Load reads and renders; it resolves the wait before the next run in ms, or null for none. */
export type Load = (signal: AbortSignal) => Promise<number | null>;

/** Refresher runs a Load now and then again after the wait it asks for, until stopped. */
export class Refresher {
  private abort: AbortController | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly load: Load) {}

  /** Run loads now, aborting the load in flight and the planned run. */
  async run(): Promise<void> {
    this.stop();
    const abort = new AbortController();
    this.abort = abort;
    const wait = await this.load(abort.signal).catch(() => null);
    if (this.abort !== abort || abort.signal.aborted || wait === null) return;
    this.timer = setTimeout(() => void this.run(), wait);
  }

  /** Stop aborts the load in flight and forgets the planned run. */
  stop(): void {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    this.abort?.abort();
    this.abort = null;
  }
}
