// Route tests, error paths of the competition rules: Idempotency-Key reuse, daily limit, finals beyond N, and
// triggers, finals and registrations after the end. Each gets a clear 4xx and changes nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { triggerResponse } from '../../core/api/submissions.js';
import { drivers } from '../helpers/db.js';
import { bearer, type Harness } from './fixtures.js';
import {
  call,
  createCompetition,
  type ErrorSuite,
  expectError,
  openErrorSuite,
  parse,
  registerTeam,
  submitAndScore,
  trigger,
  uploadGood,
} from './flow.js';
import { expectNothingChanges, snapshot } from './state.js';

describe.each(drivers())('API rule errors over %s', (driver) => {
  let h: Harness;
  let s: string;
  let team: ErrorSuite['team'];
  let bundleId: string;
  beforeAll(async () => {
    ({ h, s, team, bundleId } = await openErrorSuite(driver));
  });
  afterAll(() => h?.close());
  const state = expectNothingChanges(() => h);

  it('429 over the daily limit; 409 finals beyond N; 400 for a non-boolean selection', async () => {
    const other = await uploadGood(h, s, team.token, 1);
    await state.rebase();
    const first = await submitAndScore(h, s, team.token, bundleId);
    const second = await submitAndScore(h, s, team.token, other);
    await state.rebase();
    expectError(await trigger(h, s, team.token, bundleId), 429, 'limit_exceeded');
    const mine = await call(h, 'GET', `/api/competitions/${s}/submissions`, { headers: bearer(team.token) });
    expect(mine.status).toBe(200);
    const select = (id: string, selected: boolean) =>
      call(h, 'PUT', `/api/submissions/${id}/final`, { headers: bearer(team.token), json: { selected } });
    expect((await select(first, true)).status).toBe(200);
    await state.rebase();
    expectError(await select(second, true), 409, 'conflict');
    expectError(
      await call(h, 'PUT', `/api/submissions/${second}/final`, {
        headers: bearer(team.token),
        json: { selected: 'yes' },
      }),
      400,
      'invalid_argument',
    );
  });

  it('409 for an Idempotency-Key reused on another bundle; competition_closed after the end', async () => {
    const now = h.clock.now().getTime();
    const closing = await createCompetition(h, { endsAt: new Date(now + 3_600_000).toISOString() });
    const t = await registerTeam(h, closing);
    const b = await uploadGood(h, closing, t.token, 0);
    const other = await uploadGood(h, closing, t.token, 1);
    const keyed = await trigger(h, closing, t.token, b, 'k-1');
    expect(keyed.status).toBe(202);
    await state.rebase();
    expectError(await trigger(h, closing, t.token, other, 'k-1'), 409, 'conflict');
    expect(await snapshot(h)).toBe(await state.current());
    const id = parse(triggerResponse, keyed).submission.id;
    expect((await h.score(id)).status).toBe('scored');
    h.clock.advance(2 * 3_600_000);
    await state.rebase();
    expectError(await trigger(h, closing, t.token, b), 409, 'competition_closed');
    const final = await call(h, 'PUT', `/api/submissions/${id}/final`, {
      headers: bearer(t.token),
      json: { selected: true },
    });
    expectError(final, 409, 'competition_closed');
    const late = await call(h, 'POST', `/api/competitions/${closing}/teams`, {
      json: { name: 'Late', members: ['z'] },
    });
    expectError(late, 409, 'competition_closed');
  });
});
