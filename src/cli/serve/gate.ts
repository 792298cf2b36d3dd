/**
 * Admission control of the reward server: at most `maxActive` scoring requests run at once and at most `maxQueue`
 * wait; beyond that a request is refused at once (the server answers 503 with Retry-After) rather than queued without
 * bound. A waiting request that is cancelled (client gone) leaves the queue.
 */
export class QueueFull extends Error {
  constructor(readonly maxQueue: number) {
    super(`the server is busy: ${maxQueue} requests are already waiting (--queue raises the limit)`);
  }
}

export class Gate {
  private active = 0;
  private readonly waiting: { resolve: () => void; reject: (e: unknown) => void }[] = [];

  constructor(readonly maxActive: number, readonly maxQueue: number, private readonly onChange: (active: number, queued: number) => void = () => undefined) {}

  get inFlight(): number {
    return this.active;
  }

  get queued(): number {
    return this.waiting.length;
  }

  /** Resolves with a release function once a slot is free; throws QueueFull when the queue is full. */
  async enter(signal?: AbortSignal): Promise<() => void> {
    if (this.active < this.maxActive && this.waiting.length === 0) {
      this.active++;
      this.onChange(this.active, this.waiting.length);
      return this.releaser();
    }
    if (this.waiting.length >= this.maxQueue) throw new QueueFull(this.maxQueue);
    await new Promise<void>((resolve, reject) => {
      const item = { resolve, reject };
      this.waiting.push(item);
      this.onChange(this.active, this.waiting.length);
      signal?.addEventListener('abort', () => {
        const i = this.waiting.indexOf(item);
        if (i >= 0) {
          this.waiting.splice(i, 1);
          this.onChange(this.active, this.waiting.length);
          reject(new Error('cancelled while queued'));
        }
      }, { once: true });
    });
    return this.releaser();
  }

  private releaser(): () => void {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const next = this.waiting.shift();
      if (next) next.resolve(); // the slot passes straight to the next request
      else this.active--;
      this.onChange(this.active, this.waiting.length);
    };
  }
}
