// Route tests, error paths of the competition rules: Idempotency-Key reuse, daily limit, finals beyond N, and
// triggers, finals and registrations after the end. Each gets a clear 4xx and changes nothing.
import { describe, expect, it } from 'vitest';
import { triggerResponse } from '../../core/api/submissions.js';
import { drivers } from '../helpers/db.js';
import { useErrorSuite } from './error-suite.js';
import { bearer } from './fixtures.js';
import {
  call,
  createCompetition,
  expectError,
  parse,
  registerTeam,
  submitAndScore,
  trigger,
  uploadGood,
} from './flow.js';
import { snapshot } from './state.js';

describe.each(drivers())('API rule errors over %s', (driver) => {
  const api = useErrorSuite(driver);

  it('429 over the daily limit; 409 finals beyond N; 400 for a non-boolean selection', async () => {
    const other = await uploadGood(api.h, api.s, api.team.token, 1);
    await api.state.rebase();
    const first = await submitAndScore(api.h, api.s, api.team.token, api.bundleId);
    const second = await submitAndScore(api.h, api.s, api.team.token, other);
    await api.state.rebase();
    expectError(await trigger(api.h, api.s, api.team.token, api.bundleId), 429, 'limit_exceeded');
    const mine = await call(api.h, 'GET', `/api/competitions/${api.s}/submissions`, {
      headers: bearer(api.team.token),
    });
    expect(mine.status).toBe(200);
    const select = (id: string, selected: boolean) =>
      call(api.h, 'PUT', `/api/submissions/${id}/final`, {
        headers: bearer(api.team.token),
        json: { selected },
      });
    expect((await select(first, true)).status).toBe(200);
    await api.state.rebase();
    expectError(await select(second, true), 409, 'conflict');
    expectError(
      await call(api.h, 'PUT', `/api/submissions/${second}/final`, {
        headers: bearer(api.team.token),
        json: { selected: 'yes' },
      }),
      400,
      'invalid_argument',
    );
  });

  it('409 for an Idempotency-Key reused on another bundle; competition_closed after the end', async () => {
    const now = api.h.clock.now().getTime();
    const closing = await createCompetition(api.h, { endsAt: new Date(now + 3_600_000).toISOString() });
    const t = await registerTeam(api.h, closing);
    const b = await uploadGood(api.h, closing, t.token, 0);
    const other = await uploadGood(api.h, closing, t.token, 1);
    const keyed = await trigger(api.h, closing, t.token, b, 'k-1');
    expect(keyed.status).toBe(202);
    await api.state.rebase();
    expectError(await trigger(api.h, closing, t.token, other, 'k-1'), 409, 'conflict');
    expect(await snapshot(api.h)).toBe(await api.state.current());
    const id = parse(triggerResponse, keyed).submission.id;
    expect((await api.h.score(id)).status).toBe('scored');
    api.h.clock.advance(2 * 3_600_000);
    await api.state.rebase();
    expectError(await trigger(api.h, closing, t.token, b), 409, 'competition_closed');
    const final = await call(api.h, 'PUT', `/api/submissions/${id}/final`, {
      headers: bearer(t.token),
      json: { selected: true },
    });
    expectError(final, 409, 'competition_closed');
    const late = await call(api.h, 'POST', `/api/competitions/${closing}/teams`, {
      json: { name: 'Late', members: ['z'] },
    });
    expectError(late, 409, 'competition_closed');
  });
});
