// Free disk space before a large upload: refuse early (507) rather than fill the disk halfway through.
import { mkdir, statfs } from 'node:fs/promises';
import { formatBytes } from '../../core/bundle/limits.js';
import { ServiceError } from '../services/errors.js';

/** Kept free beyond what an upload needs, so the database, logs and other uploads still have room. */
export const DISK_HEADROOM_BYTES = 1024 ** 3;

/**
 * Bytes available to this process on the filesystem of `dir` (fs.statfs: blocks available × block size).
 *
 * @example
 * const free = await freeBytesOf('/data/tmp/tus');
 */
export async function freeBytesOf(dir: string): Promise<number> {
  await mkdir(dir, { recursive: true });
  const fs = await statfs(dir);
  return fs.bavail * fs.bsize;
}

/**
 * Throws `insufficient_storage` (507) unless `needBytes` plus DISK_HEADROOM_BYTES fit on the filesystem of
 * `dir`; nothing needed (0 bytes) never fails.
 *
 * @example
 * await requireFreeSpace(freeBytesOf, uploadDir, missingBytes);
 */
export async function requireFreeSpace(
  freeBytes: (dir: string) => Promise<number>,
  dir: string,
  needBytes: number,
): Promise<void> {
  if (needBytes <= 0) return;
  const free = await freeBytes(dir);
  if (free < needBytes + DISK_HEADROOM_BYTES) {
    throw new ServiceError(
      'insufficient_storage',
      `the server has ${formatBytes(free)} free for uploads; this one needs ${formatBytes(needBytes)} ` +
        `plus ${formatBytes(DISK_HEADROOM_BYTES)} kept free. Try again later or ask the host`,
    );
  }
}
