// What the openBundle refusal suites share: a fresh workspace per test and "refused, and nothing left behind".
import { readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, expect } from 'vitest';
import type { ArchiveLimits } from '../../core/bundle/limits.js';
import { openBundle } from '../../core/bundle/open.js';
import { tempDir } from './fixtures.js';
import { type RawEntry, rawZip } from './rawzip.js';

/** A test's folder and the extraction root inside it (openBundle's workDir); filled by beforeEach. */
export type Workspace = { work: string; extractRoot: string };

/** Registers beforeEach/afterEach: a fresh temp folder `prefix…` per test, removed after it; returns the live handle. */
export function useWorkspace(prefix: string): Workspace {
  const ws: Workspace = { work: '', extractRoot: '' };
  beforeEach(async () => {
    ws.work = await tempDir(prefix);
    ws.extractRoot = join(ws.work, 'extract');
  });
  afterEach(async () => {
    await rm(ws.work, { recursive: true, force: true });
  });
  return ws;
}

/**
 * Writes the zip (entries, or raw bytes) into the workspace and expects openBundle to refuse it with a
 * SketchboardError of `code` whose message matches `message` (a string: contains it), leaving the extraction
 * folder empty.
 *
 * @example
 * await expectOpenRefused(ws, [file('m.onnx', tinyOnnx())], 'invalid_manifest', /no manifest\.json/);
 */
export async function expectOpenRefused(
  ws: Workspace,
  entries: RawEntry[] | Buffer,
  code: string,
  message: RegExp | string,
  limits: Partial<ArchiveLimits> = {},
): Promise<void> {
  const zipPath = join(ws.work, 'bundle.zip');
  await writeFile(zipPath, Buffer.isBuffer(entries) ? entries : rawZip(entries));
  await expect(openBundle(zipPath, { workDir: ws.extractRoot, limits })).rejects.toMatchObject({
    name: 'SketchboardError',
    code,
    message: typeof message === 'string' ? expect.stringContaining(message) : expect.stringMatching(message),
  });
  expect(await readdir(ws.extractRoot)).toEqual([]);
}
