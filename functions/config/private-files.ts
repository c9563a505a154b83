// The data folder is the service's alone: umask 077 for everything it writes, and older files made private.
import fs from 'node:fs';
import { chmod, lstat, mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { log } from '../../core/log.js';

/** The process umask while the service runs: nothing it creates is open to group or others. */
const PRIVATE_UMASK = 0o077;

let chmodMasked = false;

/**
 * PGlite's file layer (Emscripten's NODEFS) sets the modes PostgreSQL-in-wasm asks for with `chmodSync` /
 * `fchmodSync` after creating each file, and those ask for 0666, which a umask does not filter. Every
 * chmod of this process is therefore masked by the private umask too (it can only take permissions away).
 */
function maskChmod(): void {
  if (chmodMasked) return;
  chmodMasked = true;
  const chmodSync = fs.chmodSync;
  const fchmodSync = fs.fchmodSync;
  fs.chmodSync = (path, mode) => chmodSync(path, masked(mode));
  fs.fchmodSync = (fd, mode) => fchmodSync(fd, masked(mode));
}

function masked(mode: fs.Mode): number {
  const m = typeof mode === 'string' ? Number.parseInt(mode, 8) : mode;
  return m & ~PRIVATE_UMASK;
}

/** Mode of every folder the service keeps (owner only). */
export const PRIVATE_DIR_MODE = 0o700;
/** Mode of every file the service writes (owner read/write; older files only lose group and other bits). */
export const PRIVATE_FILE_MODE = 0o600;

/**
 * Makes what the service writes private whatever umask it was started with: the process umask becomes 077
 * (PGlite's files, blobs, output CSVs, the host token, runner work folders: every later file and folder),
 * `dataDir` is created 0700, and anything already in it that others could read (a data folder from an
 * older version, or one copied in) is set to 0700 / 0600. Symbolic links are left alone (never followed).
 * Returns how many modes it changed.
 *
 * @example
 * await makeDataPrivate(env.dataDir); // first thing at start, before the database opens
 */
export async function makeDataPrivate(dataDir: string): Promise<number> {
  process.umask(PRIVATE_UMASK);
  maskChmod();
  await mkdir(dataDir, { recursive: true, mode: PRIVATE_DIR_MODE });
  const changed = await tighten(dataDir);
  if (changed > 0) log.info('data folder made private', { dataDir, modesChanged: changed });
  return changed;
}

/**
 * Takes group and other permissions away from `path` and everything below it (a folder keeps or gets rwx
 * for its owner); returns how many modes changed.
 */
async function tighten(path: string): Promise<number> {
  const info = await lstat(path);
  if (info.isSymbolicLink()) return 0;
  const before = info.mode & 0o777;
  const after = info.isDirectory() ? PRIVATE_DIR_MODE : before & 0o700;
  let changed = 0;
  if (after !== before) {
    await chmod(path, after);
    changed++;
  }
  if (info.isDirectory()) {
    for (const name of await readdir(path)) changed += await tighten(join(path, name));
  }
  return changed;
}
