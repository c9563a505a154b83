// Temp-folder hooks for suites: a fresh folder per test or one per suite, removed afterwards; live handles.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';

/** A temp folder a hook made: read `dir` inside tests (it changes per test with useTempDir). */
export type TempHandle = { dir: string };

/** A hook registrar (beforeAll, beforeEach, afterAll, afterEach). */
type Hook = (fn: () => Promise<unknown> | unknown) => void;

/** A temp folder `prefix…` made by `setup`, removed by `teardown`. */
function tempHooks(prefix: string, setup: Hook, teardown: Hook): TempHandle {
  const tmp = { dir: '' };
  setup(async () => {
    tmp.dir = await mkdtemp(join(tmpdir(), prefix));
  });
  teardown(() => (tmp.dir ? rm(tmp.dir, { recursive: true, force: true }) : undefined));
  return tmp;
}

/**
 * Registers beforeEach/afterEach: a fresh temp folder `prefix…` for each test, removed after it.
 *
 * @example
 * const tmp = useTempDir('sb-csv-'); it('writes', () => writeCsv(path.join(tmp.dir, 'out.csv'), rows));
 */
export function useTempDir(prefix: string): TempHandle {
  return tempHooks(prefix, beforeEach, afterEach);
}

/**
 * Registers beforeAll/afterAll: one temp folder `prefix…` for the whole suite (file or describe), removed after it.
 *
 * @example
 * const tmp = useSuiteDir('sb-serve-'); it('starts', () => startService(loadEnv({ SKETCHBOARD_DATA_DIR: tmp.dir })));
 */
export function useSuiteDir(prefix: string): TempHandle {
  return tempHooks(prefix, beforeAll, afterAll);
}
