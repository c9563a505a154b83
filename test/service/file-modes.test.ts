// The data folder is private whatever the umask: `sketchboard serve` started with umask 000 leaves no file or
// folder that group or others can read (PGlite, blobs, the demo's data, the host token), and an older world-
// readable file in the folder is made private at start.
import { spawn } from 'node:child_process';
import { lstat, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeDataPrivate } from '../../functions/config/private-files.js';

const BIN = fileURLToPath(new URL('../../functions/cli/bin.mjs', import.meta.url));

/** Every path below `dir` (itself included) whose mode lets group or others in, with that mode. */
async function openToOthers(dir: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (path: string) => {
    const info = await lstat(path);
    if (info.isSymbolicLink()) return;
    if ((info.mode & 0o077) !== 0) found.push(`${path} ${(info.mode & 0o777).toString(8)}`);
    if (info.isDirectory()) for (const name of await readdir(path)) await walk(join(path, name));
  };
  await walk(dir);
  return found;
}

/** Counts the files below `dir`. */
async function fileCount(dir: string): Promise<number> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).length;
}

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'sb-modes-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('private data folder', () => {
  it('serve under umask 000 writes every file 0600 and every folder 0700; an older 0666 file is fixed', async () => {
    const dataDir = join(root, 'serve');
    await mkdir(join(dataDir, 'old'), { recursive: true, mode: 0o777 });
    await writeFile(join(dataDir, 'old', 'labels.csv'), 'ID,target\n', { mode: 0o666 });
    const child = spawn(
      '/bin/sh',
      ['-c', `umask 000 && exec "${process.execPath}" "${BIN}" serve --host 127.0.0.1`],
      {
        env: {
          ...process.env,
          PORT: '0',
          SKETCHBOARD_DATA_DIR: dataDir,
          SKETCHBOARD_EMBEDDED_SCORER: 'false',
          SKETCHBOARD_LOG_LEVEL: 'warn',
          SKETCHBOARD_HOST_TOKEN: '',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
    });
    child.stderr.on('data', (b: Buffer) => {
      out += b.toString();
    });
    try {
      // Ready once it prints where it listens: by then PGlite, the demo competition and the token exist.
      await expect.poll(() => out, { timeout: 120_000, interval: 200 }).toMatch(/http:\/\/127\.0\.0\.1:\d+/);
      expect(await fileCount(dataDir)).toBeGreaterThan(100);
      expect(await openToOthers(dataDir)).toEqual([]);
    } finally {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
    expect(await openToOthers(dataDir)).toEqual([]);
  }, 180_000);

  it('takes only group and other bits away from older files, and leaves symbolic links alone', async () => {
    const dir = join(root, 'old');
    await mkdir(join(dir, 'a'), { recursive: true, mode: 0o755 });
    await writeFile(join(dir, 'a', 'ro.txt'), 'x', { mode: 0o444 });
    await writeFile(join(dir, 'a', 'rw.txt'), 'x', { mode: 0o666 });
    const outside = join(root, 'outside.txt');
    await writeFile(outside, 'x', { mode: 0o644 });
    const { symlink } = await import('node:fs/promises');
    await symlink(outside, join(dir, 'a', 'link'));
    const previous = process.umask();
    try {
      expect(await makeDataPrivate(dir)).toBe(4); // dir, a, ro.txt, rw.txt
      expect(await makeDataPrivate(dir)).toBe(0);
    } finally {
      process.umask(previous);
    }
    expect(((await lstat(join(dir, 'a', 'ro.txt'))).mode & 0o777).toString(8)).toBe('400');
    expect(((await lstat(join(dir, 'a', 'rw.txt'))).mode & 0o777).toString(8)).toBe('600');
    expect(((await lstat(join(dir, 'a'))).mode & 0o777).toString(8)).toBe('700');
    expect(((await lstat(outside)).mode & 0o777).toString(8)).toBe('644');
  });
});
