// Group commit for runner requests: while a batch is being written, requests that arrive queue up and go together
// in the next one. A batch leaves at the end of the current event-loop turn (setImmediate), so requests that one
// event released together (a batch of replies, each runner claiming again) go together rather than the first one
// alone; there is no timer. Under load, one statement or transaction serves many requests. A caller's promise settles only after its batch has committed, so a reply
// never acknowledges work that a crash could still lose (a runner keeps retrying until it is acknowledged).

export interface GroupBatcherOptions {
  /** Most requests in one batch. */
  maxBatch: number;
  /** Batches written at the same time (each takes a connection). */
  maxInFlight: number;
}

interface Pending<In, Out> {
  input: In;
  resolve(output: Out): void;
  reject(error: unknown): void;
}

export class GroupBatcher<In, Out> {
  private readonly queue: Array<Pending<In, Out>> = [];
  private inFlight = 0;
  private scheduled = false;
  /** Batches written and the requests they carried, since the start. */
  readonly written = { batches: 0, requests: 0, ms: 0 };

  /** `write` answers each input of a batch, in order. */
  constructor(private readonly write: (inputs: In[]) => Promise<Out[]>, private readonly options: GroupBatcherOptions) {}

  submit(input: In): Promise<Out> {
    return new Promise<Out>((resolve, reject) => {
      this.queue.push({ input, resolve, reject });
      this.schedule();
    });
  }

  /** Requests written or waiting right now. */
  get pending(): number {
    return this.queue.length + this.inFlight;
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight >= this.options.maxInFlight) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.drain();
    });
  }

  private drain(): void {
    while (this.inFlight < this.options.maxInFlight && this.queue.length > 0) {
      const batch = this.queue.splice(0, this.options.maxBatch);
      this.inFlight++;
      const started = performance.now();
      this.write(batch.map((p) => p.input)).then(
        (outputs) => batch.forEach((p, i) => p.resolve(outputs[i] as Out)),
        (error: unknown) => batch.forEach((p) => p.reject(error)),
      ).finally(() => {
        this.written.batches++;
        this.written.requests += batch.length;
        this.written.ms += performance.now() - started;
        this.inFlight--;
        this.schedule();
      });
    }
  }
}
