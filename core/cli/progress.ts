// Progress output for long CLI work: a redrawn bar on a TTY, a line every few seconds otherwise.
import { formatBytes } from '../bundle/limits.js';

export type Progress = {
  /** Advance by `n` items. */
  tick(n?: number): void;
  /** Set the position and, when it becomes known, the total (e.g. from an onProgress(done, total) callback). */
  update(done: number, total?: number): void;
  /** Print the final line. */
  done(message?: string): void;
};

/**
 * A progress reporter on stderr.
 *
 * @example
 * const p = progress('predict', images.length); for (...) p.tick(); p.done('1234 images/s');
 * const up = progress('upload', totalBytes, process.stderr, { unit: 'bytes' }); // "1.5 GiB/4.0 GiB"
 */
export function progress(
  label: string,
  total: number,
  stream: NodeJS.WriteStream = process.stderr,
  options: { unit?: 'items' | 'bytes' } = {},
): Progress {
  const fmt = options.unit === 'bytes' ? formatBytes : String;
  const start = Date.now();
  let count = 0;
  let lastDraw = 0;
  const tty = stream.isTTY === true;
  const interval = tty ? 100 : 5000;

  const line = () => {
    const elapsed = (Date.now() - start) / 1000;
    const rate = elapsed > 0 ? count / elapsed : 0;
    const pct = total > 0 ? Math.min(100, (100 * count) / total) : 100;
    const eta = rate > 0 && total > count ? `${Math.ceil((total - count) / rate)}s left` : '';
    const width = 24;
    const filled = Math.round((pct / 100) * width);
    const bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
    const speed = options.unit === 'bytes' ? formatBytes(Math.round(rate)) : rate.toFixed(1);
    return `${label} ${bar} ${fmt(count)}/${fmt(total)} ${pct.toFixed(0)}% ${speed}/s ${eta}`.trimEnd();
  };

  return {
    tick(n = 1) {
      count += n;
      const now = Date.now();
      if (now - lastDraw < interval) return;
      lastDraw = now;
      stream.write(tty ? `\r${line()}\u001b[K` : `${line()}\n`);
    },
    update(done, newTotal) {
      if (newTotal !== undefined) total = newTotal;
      this.tick(done - count);
    },
    done(message) {
      const tail = message ? ` — ${message}` : '';
      stream.write(tty ? `\r${line()}${tail}\u001b[K\n` : `${line()}${tail}\n`);
    },
  };
}
