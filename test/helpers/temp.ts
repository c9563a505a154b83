// Temp-folder hooks for suites: a fresh folder per test or one per suite, removed afterwards; live handles.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';

/** A temp folder a hook made: read `dir` inside tests (it changes per test with useTempDir). */
export type TempHandle = { dir: string };

const make = (prefix: string) => mkdtemp(join(tmpdir(), prefix));
const remove = (dir: string) => (dir ? rm(dir, { recursive: true, force: true }) : undefined);

/**
 * Registers beforeEach/afterEach: a fresh temp folder `prefix…` for each test, removed after it.
 *
 * @example
 * const tmp = useTempDir('sb-csv-'); it('writes', () => writeCsv(path.join(tmp.dir, 'out.csv'), rows));
 */
export function useTempDir(prefix: string): TempHandle {
  const tmp = { dir: '' };
  beforeEach(async () => {
    tmp.dir = await make(prefix);
  });
  afterEach(() => remove(tmp.dir));
  return tmp;
}

/**
 * Registers beforeAll/afterAll: one temp folder `prefix…` for the whole suite (file or describe), removed after it.
 *
 * @example
 * const tmp = useSuiteDir('sb-serve-'); it('starts', () => startService(loadEnv({ SKETCHBOARD_DATA_DIR: tmp.dir })));
 */
export function useSuiteDir(prefix: string): TempHandle {
  const tmp = { dir: '' };
  beforeAll(async () => {
    tmp.dir = await make(prefix);
  });
  afterAll(() => remove(tmp.dir));
  return tmp;
}
