// A byte-counting stream between yauzl and disk: never trusts the zip headers while inflating.
import { Transform, type TransformCallback } from 'node:stream';
import { crc32 } from 'node:zlib';
import { unsafeEntry } from './entries.js';
import { type ArchiveLimits, formatBytes } from './limits.js';

/** Bytes the whole archive may still inflate to; shared by the guards of one extraction. */
export type InflateBudget = { remaining: number };

/** What the central directory promised about one entry. */
export type DeclaredEntry = { name: string; size: number; compressedSize: number; crc32: number };

/**
 * Passes an entry's inflated bytes through while counting them. Fails (SketchboardError
 * 'unsafe_archive' naming the entry) as soon as the entry produces more bytes than declared, the
 * archive more than its total budget, or the entry more than `maxRatio` times its compressed size;
 * at the end, when it produced fewer bytes than declared or its CRC-32 does not match.
 *
 * @example
 * const budget = { remaining: limits.maxTotalBytes };
 * await pipeline(await zip.openReadStreamPromise(entry), new InflateGuard(declared, budget, limits), out);
 */
export class InflateGuard extends Transform {
  private count = 0;
  private crc = 0;

  constructor(
    private readonly declared: DeclaredEntry,
    private readonly budget: InflateBudget,
    private readonly limits: Pick<ArchiveLimits, 'maxRatio' | 'ratioMinBytes'>,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    const { declared, limits } = this;
    this.count += chunk.length;
    this.budget.remaining -= chunk.length;
    if (this.count > declared.size) {
      callback(unsafeEntry(declared.name, `inflates past its declared size of ${declared.size} bytes`));
      return;
    }
    if (this.budget.remaining < 0) {
      callback(unsafeEntry(declared.name, 'the archive inflates past its total size limit'));
      return;
    }
    if (
      this.count > limits.ratioMinBytes &&
      this.count / Math.max(declared.compressedSize, 1) > limits.maxRatio
    ) {
      callback(
        unsafeEntry(
          declared.name,
          `inflates ${formatBytes(this.count)} from ${declared.compressedSize} compressed bytes`,
        ),
      );
      return;
    }
    this.crc = crc32(chunk, this.crc);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    const { declared } = this;
    if (this.count !== declared.size) {
      callback(
        unsafeEntry(declared.name, `inflates to ${this.count} bytes, not the declared ${declared.size}`),
      );
      return;
    }
    if (this.crc >>> 0 !== declared.crc32 >>> 0) {
      callback(unsafeEntry(declared.name, 'CRC-32 mismatch: the data is corrupt'));
      return;
    }
    callback();
  }
}
