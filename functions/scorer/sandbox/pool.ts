// Warm runner children: started ahead of time so a job does not wait for node and the runtimes to load; each runs one job only.
import { RunnerChild } from './child.js';

/**
 * Keeps up to `size` started, idle runner children. `take()` hands one out (it will run exactly one
 * job and exit: isolation is per submission, as with a cold start) and starts its replacement.
 *
 * @example
 * const pool = new RunnerPool({ size: 2, memoryMb: 8192 });
 * const child = pool.take(); // already importing or ready
 * pool.close();
 */
export class RunnerPool {
  private readonly idle: RunnerChild[] = [];
  private closed = false;

  constructor(private readonly opts: { size: number; memoryMb: number }) {
    for (let i = 0; i < opts.size; i++) this.idle.push(this.start());
  }

  private start(): RunnerChild {
    const child = new RunnerChild({ memoryMb: this.opts.memoryMb });
    // A warm child that dies while idle (killed, broken runtime) is dropped, not handed out.
    void child.exited.then(() => {
      const at = this.idle.indexOf(child);
      if (at >= 0) this.idle.splice(at, 1);
    });
    return child;
  }

  /** A started child for one job: a warm one if any is alive, else a fresh one. */
  take(): RunnerChild {
    let child = this.idle.shift();
    while (child && !child.alive) child = this.idle.shift();
    if (!this.closed && this.idle.length < this.opts.size) this.idle.push(this.start());
    return child?.alive ? child : new RunnerChild({ memoryMb: this.opts.memoryMb });
  }

  /** Idle children right now. */
  get size(): number {
    return this.idle.length;
  }

  /** Kill the idle children; children already handed out are unaffected. */
  close(): void {
    this.closed = true;
    for (const child of this.idle.splice(0)) child.kill();
  }
}
