// The local-folder blob store (embedded mode's default): atomic writes by temp file and rename.
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { copyFile, mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { ServiceError } from '../services/errors.js';
import { type BlobStore, checkKey } from './blob.js';

/**
 * A BlobStore in a local folder (`<SKETCHBOARD_DATA_DIR>/blobs` in embedded mode). Writes go to
 * `<root>/.tmp/` first and are renamed into place, so they are atomic on one filesystem.
 *
 * @example
 * const blobs = createLocalBlobStore(blobDir(env));
 * await blobs.putFile(bundleKey(sha256), uploadedTmpPath);
 * const path = await blobs.getPath!(bundleKey(sha256));
 */
export function createLocalBlobStore(root: string): BlobStore {
  const tmpDir = join(root, '.tmp');
  const pathOf = (key: string) => join(root, ...checkKey(key).split('/'));

  /** Runs `write(tmp)` then renames tmp over the key's path; removes tmp on any failure. */
  async function atomically<T>(key: string, write: (tmp: string) => Promise<T>): Promise<T> {
    const dest = pathOf(key);
    await mkdir(tmpDir, { recursive: true });
    await mkdir(dirname(dest), { recursive: true });
    const tmp = join(tmpDir, `${randomBytes(12).toString('hex')}.part`);
    try {
      const result = await write(tmp);
      await rename(tmp, dest);
      return result;
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
  }

  async function existing(key: string): Promise<string> {
    const path = pathOf(key);
    const info = await stat(path).catch(() => null);
    if (!info?.isFile()) throw new ServiceError('not_found', `no blob ${key}`);
    return path;
  }

  return {
    putFile: (key, srcPath) => atomically(key, (tmp) => copyFile(srcPath, tmp)),
    // A rename when both are on one filesystem (uploads live under the data folder); a copy otherwise.
    moveFile: (key, srcPath) =>
      atomically(key, (tmp) =>
        rename(srcPath, tmp).catch(async (err: NodeJS.ErrnoException) => {
          if (err.code !== 'EXDEV') throw err;
          await copyFile(srcPath, tmp);
          await rm(srcPath, { force: true });
        }),
      ),
    putStream: (key, source) =>
      atomically(key, async (tmp) => {
        let bytes = 0;
        const counted = async function* () {
          for await (const chunk of source as AsyncIterable<Uint8Array>) {
            bytes += chunk.length;
            yield chunk;
          }
        };
        await pipeline(counted, createWriteStream(tmp, { flags: 'wx' }));
        return { bytes };
      }),
    getStream: async (key, range) => createReadStream(await existing(key), range),
    getPath: (key) => existing(key),
    exists: async (key) => (await stat(pathOf(key)).catch(() => null))?.isFile() ?? false,
    // async: a bad key rejects like every other method instead of throwing synchronously.
    delete: async (key) => rm(pathOf(key), { force: true }),
  };
}
