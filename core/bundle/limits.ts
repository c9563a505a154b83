// Size and count limits of bundles (archives opened, files uploaded): the one place their defaults live.
import { SketchboardError } from '../errors.js';

/** Limits checked against the zip's central directory before inflating, and again while inflating. */
export type ArchiveLimits = {
  /** Largest zip file accepted, in bytes (checked with fstat before reading). */
  maxArchiveBytes: number;
  /** Most entries (files and directories) in one archive. */
  maxEntries: number;
  /** Largest total uncompressed size of all entries, in bytes. */
  maxTotalBytes: number;
  /** Largest uncompressed/compressed ratio, per entry and for the whole archive. */
  maxRatio: number;
  /**
   * The ratio limit applies only to entries (and archives) whose uncompressed size is above this many
   * bytes: tiny files such as a whitespace-padded manifest compress very well and are harmless.
   */
  ratioMinBytes: number;
  /** Largest manifest.json or TF.js model.json read into memory, in bytes. */
  maxJsonBytes: number;
};

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

/**
 * Largest single file of a bundle, bytes (server env SKETCHBOARD_MAX_FILE_BYTES): one EVA-giant in fp32 is
 * ~4 GB, a multi-output graph of one backbone and many heads a few times that.
 */
export const MAX_FILE_BYTES = 32 * GiB;

/**
 * Largest bundle, bytes: every file summed, and the largest zip (server env SKETCHBOARD_MAX_BUNDLE_BYTES).
 * Five EVA-giant folds in fp32 (~20 GB) plus another family fit.
 */
export const MAX_BUNDLE_BYTES = 64 * GiB;

/**
 * Defaults sized for model bundles: archive and unpacked caps are MAX_BUNDLE_BYTES; weights barely
 * compress (ratio ~1.1), so a ratio above 200 on anything over 1 MiB is a bomb, not a model.
 */
export const DEFAULT_LIMITS: Readonly<ArchiveLimits> = Object.freeze({
  maxArchiveBytes: MAX_BUNDLE_BYTES,
  maxEntries: 2_000,
  maxTotalBytes: MAX_BUNDLE_BYTES,
  maxRatio: 200,
  ratioMinBytes: 1 * MiB,
  maxJsonBytes: 64 * MiB,
});

/**
 * Merge partial limits over DEFAULT_LIMITS; each value must be a positive number.
 *
 * @example
 * const limits = resolveLimits({ maxEntries: 100 }); // other fields from DEFAULT_LIMITS
 */
export function resolveLimits(partial?: Partial<ArchiveLimits>): ArchiveLimits {
  const merged: ArchiveLimits = { ...DEFAULT_LIMITS, ...(partial ?? {}) };
  for (const [key, value] of Object.entries(merged)) {
    if (typeof value !== 'number' || !(value > 0) || Number.isNaN(value)) {
      throw new SketchboardError(
        'invalid_argument',
        `archive limit ${key} must be a positive number, got ${value}`,
      );
    }
  }
  return merged;
}

/** Human-readable byte count: 1536 → "1.5 KiB". */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${n} B` : `${value.toFixed(1)} ${units[unit]}`;
}
