// The error suites' per-driver hooks: open the error suite, close it, and assert that no test changes anything.
import { afterAll, beforeAll } from 'vitest';
import type { DriverName } from '../helpers/db.js';
import { type ErrorSuite, openErrorSuite, poster } from './flow.js';
import { expectNothingChanges } from './state.js';

/** An error suite opened by beforeAll, with the suite's text POST and its expectNothingChanges state. */
export type LiveErrorSuite = ErrorSuite & {
  post: ReturnType<typeof poster>;
  state: ReturnType<typeof expectNothingChanges>;
};

/**
 * Registers, in the enclosing describe, the error suite over `driver` (openErrorSuite in beforeAll, closed
 * afterAll) and expectNothingChanges around each test; returns the live handle (read its fields in tests).
 *
 * @example
 * describe.each(drivers())('API errors over %s', (driver) => {
 *   const api = useErrorSuite(driver);
 *   it('400', async () => expectError(await api.post(`/api/competitions/${api.s}/teams`, ''), 400, 'invalid_argument'));
 * });
 */
export function useErrorSuite(driver: DriverName): LiveErrorSuite {
  const suite = {} as ErrorSuite;
  beforeAll(async () => {
    Object.assign(suite, await openErrorSuite(driver));
  });
  afterAll(() => suite.h?.close());
  const state = expectNothingChanges(() => suite.h);
  return Object.assign(suite, { post: poster(() => suite.h), state });
}
