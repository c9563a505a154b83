// A status spinner on stderr: redrawn in place on a TTY, one line per status change otherwise (logs, CI).

const FRAMES = ['|', '/', '-', '\\'];

/** Where the spinner writes: a stream, and whether it is a terminal. */
export type SpinnerStream = { write(text: string): unknown; isTTY?: boolean };

export type Spinner = {
  /** Show a new status text (printed as a line off a TTY only when it differs from the last). */
  set(text: string): void;
  /** Stop and print the final line. */
  stop(finalText: string): void;
};

/**
 * A spinner with elapsed seconds: `| scoring 8c1f…: running (12s)`.
 *
 * @example
 * const spin = spinner('scoring'); spin.set('queued'); ... spin.stop('scored: public 0.8120');
 */
export function spinner(label: string, stream: SpinnerStream = process.stderr, now = Date.now): Spinner {
  const start = now();
  const tty = stream.isTTY === true;
  let text = '';
  let frame = 0;
  let stopped = false;
  const elapsed = () => `${Math.round((now() - start) / 1000)}s`;
  const draw = () => {
    frame = (frame + 1) % FRAMES.length;
    stream.write(`\r${FRAMES[frame]} ${label}: ${text} (${elapsed()})\u001b[K`);
  };
  const timer = tty ? setInterval(draw, 120) : undefined;
  timer?.unref();
  return {
    set(next) {
      if (stopped) return;
      if (tty) {
        text = next;
        draw();
        return;
      }
      if (next !== text) stream.write(`${label}: ${next} (${elapsed()})\n`);
      text = next;
    },
    stop(finalText) {
      if (stopped) return;
      stopped = true;
      if (timer) clearInterval(timer);
      stream.write(
        tty ? `\r${label}: ${finalText} (${elapsed()})\u001b[K\n` : `${label}: ${finalText} (${elapsed()})\n`,
      );
    },
  };
}
