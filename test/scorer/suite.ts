// Per-suite hooks for the scorer suites: a temp root with the sketch set and its bundles, and a harness per driver.
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll } from 'vitest';
import type { DriverName } from '../helpers/db.js';
import { makeSketchSet, type SketchSet, tempRoot } from './fixtures.js';
import { type Harness, openHarness } from './harness.js';

/** A suite's material, filled in by beforeAll: its temp root, the sketch set and the bundle zips `make` built. */
export type ScorerSuite<B extends Record<string, string>> = { root: string; set: SketchSet; bundles: B };

/**
 * Registers the suite's hooks: a temp root `sb-scorer-<name>-`, the sketch set in it, then `make(root)` (bundle zips
 * by name); the root is removed afterAll. Returns the live handle: read its fields inside hooks and tests.
 *
 * @example
 * const suite = useScorerSuite('attempt', async (root) => ({ good: await makeBundle(root, 'good', [{ kind: 'good', seed: 4 }]) }));
 * it('...', async () => h.upload(team, suite.bundles.good));
 */
export function useScorerSuite<B extends Record<string, string>>(
  name: string,
  make: (root: string) => Promise<B>,
): ScorerSuite<B> {
  const suite = { root: '', bundles: {} } as ScorerSuite<B>;
  beforeAll(async () => {
    suite.root = await tempRoot(name);
    suite.set = await makeSketchSet(suite.root);
    suite.bundles = await make(suite.root);
  }, 120_000);
  afterAll(async () => {
    if (suite.root) await rm(suite.root, { recursive: true, force: true });
  });
  return suite;
}

/**
 * Registers, in the enclosing describe, a harness over `driver` on the suite's set (opened beforeAll, closed
 * afterAll); returns it as a live handle, usable inside hooks and tests registered after this call.
 *
 * @example
 * describe.each(drivers())('x over %s', (driver) => { const h = useHarness(driver, suite); it('...', () => h.competition()); });
 */
export function useHarness(driver: DriverName, suite: ScorerSuite<Record<string, string>>): Harness {
  let opened: Harness | undefined;
  beforeAll(async () => {
    opened = await openHarness(driver, suite.root, suite.set);
  });
  afterAll(async () => {
    await opened?.close();
  });
  return new Proxy({} as Harness, {
    get(_, key) {
      if (!opened) throw new Error('the scorer harness opens in beforeAll: use it inside hooks and tests');
      return Reflect.get(opened, key);
    },
  });
}
