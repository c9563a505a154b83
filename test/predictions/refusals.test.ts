// Prediction-file submissions over HTTP, refusals: kind not enabled, tokens, bad files (422), too big (413), daily limit, closed.
import { and, eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { submissions } from '../../functions/db/schema.js';
import { bearer, CLASSES, type Harness, HOST } from '../api/fixtures.js';
import { call, createCompetition, expectError, registerTeam, trigger, uploadGood } from '../api/flow.js';
import { expectNothingChanges } from '../api/state.js';
import { type PredictionFixture, usePredictionFixture } from './fixture.js';

let f: PredictionFixture;
let h: Harness;
usePredictionFixture((opened) => {
  f = opened;
  h = opened.h;
});

describe('prediction files, refusals (nothing changes)', () => {
  let s: string;
  let team: { id: string; token: string };
  const guard = expectNothingChanges(() => h);

  beforeAll(async () => {
    s = await createCompetition(h, { submissionKinds: ['predictions'], dailyLimit: 1 });
    team = await registerTeam(h, s);
  });

  it('403 when the competition does not take prediction files, and for bundles when it takes only those', async () => {
    const bundles = await createCompetition(h);
    const other = await registerTeam(h, bundles);
    const bundleId = await uploadGood(h, bundles, other.token);
    await guard.rebase();
    expect(expectError(await f.send(bundles, other.token, f.csvOf(f.halfRight)), 403, 'forbidden')).toMatch(
      /does not take prediction files; it takes bundles/,
    );
    const only = await createCompetition(h, { submissionKinds: ['predictions'] });
    const mine = await registerTeam(h, only);
    await guard.rebase();
    expect(expectError(await trigger(h, only, mine.token, bundleId), 403, 'forbidden')).toMatch(
      /does not take bundles/,
    );
  });

  it('401 without a token, 403 with another competition’s team or the host', async () => {
    const reply = await call(h, 'POST', `/api/competitions/${s}/submissions`, {
      headers: { 'Content-Type': 'text/csv' },
      body: f.csvOf(f.halfRight),
    });
    expectError(reply, 401, 'unauthenticated');
    const elsewhere = await registerTeam(h, await createCompetition(h, { submissionKinds: ['predictions'] }));
    await guard.rebase();
    expectError(await f.send(s, elsewhere.token, f.csvOf(f.halfRight)), 403, 'forbidden');
    expectError(await f.send(s, HOST.Authorization.slice(7), f.csvOf(f.halfRight)), 403, 'forbidden');
  });

  it('422 naming the lines at fault, an empty body, a body that is not UTF-8; 415 for another type', async () => {
    const bad = f
      .csvOf(f.halfRight)
      .replace(`${f.items[2].id},${f.items[2].path},`, `${f.items[2].id},wrong.png,`);
    expect(expectError(await f.send(s, team.token, bad), 422, 'invalid_predictions')).toMatch(
      new RegExp(`line 4: image_path "wrong.png" of ID "${f.items[2].id}"`),
    );
    const missing = f.csvOf(f.halfRight, f.items.slice(1));
    expect(expectError(await f.send(s, team.token, missing), 422, 'invalid_predictions')).toContain(
      `1 test ID(s) missing: "${f.items[0].id}"`,
    );
    expect(expectError(await f.send(s, team.token, ''), 422, 'invalid_predictions')).toMatch(/empty/);
    const latin1 = new Uint8Array([...Buffer.from('ID,image_path,target\n'), 0xff, 0xfe, 0x0a]);
    const reply = await call(h, 'POST', `/api/competitions/${s}/submissions`, {
      headers: { ...bearer(team.token), 'Content-Type': 'text/csv' },
      body: latin1,
    });
    expect(expectError(reply, 422, 'invalid_predictions')).toMatch(/not UTF-8/);
    expectError(
      await f.send(s, team.token, f.csvOf(f.halfRight), { 'Content-Type': 'text/plain' }),
      415,
      'unsupported_media_type',
    );
  });

  it('413 for a file larger than the test set can need, raw (declared or chunked) or multipart', async () => {
    const huge = `${f.csvOf(f.halfRight)}${'x'.repeat(200 * 1024)}`;
    expectError(await f.send(s, team.token, huge), 413, 'payload_too_large');
    const stream = new Blob([huge]).stream();
    const chunked = await h.app.request(`/api/competitions/${s}/submissions`, {
      method: 'POST',
      headers: { ...bearer(team.token), 'Content-Type': 'text/csv' },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(413);
    const form = new FormData();
    form.set('output', new Blob([huge]), 'output.csv');
    expectError(await f.send(s, team.token, form), 413, 'payload_too_large');
    expect(await h.leftovers()).toEqual([]);
  });

  it('429 at the daily limit, 409 once the competition is closed', async () => {
    const first = await f.send(s, team.token, f.csvOf(f.halfRight));
    expect(first.status, first.text).toBe(201);
    await guard.rebase();
    const another = async () =>
      f.send(
        s,
        team.token,
        f.csvOf(() => 0),
      );
    expect(expectError(await another(), 429, 'limit_exceeded')).toMatch(/daily limit of 1/);
    h.clock.advance(86_400_000); // a new UTC day: the limit no longer stops it, the end does
    expect((await call(h, 'POST', `/api/competitions/${s}/close`, { headers: HOST })).status).toBe(200);
    await guard.rebase();
    expect(expectError(await another(), 409, 'competition_closed')).toMatch(/is over/);
    const rows = await h.database.db
      .select()
      .from(submissions)
      .where(and(eq(submissions.teamId, team.id), eq(submissions.kind, 'predictions')));
    expect(rows).toHaveLength(1);
  });
});

describe('prediction files and classes', () => {
  it(`refuses a target of ${CLASSES} (the competition has ${CLASSES} classes)`, async () => {
    const s = await createCompetition(h, { submissionKinds: ['predictions'] });
    const team = await registerTeam(h, s);
    const message = expectError(
      await f.send(
        s,
        team.token,
        f.csvOf(() => CLASSES),
      ),
      422,
      'invalid_predictions',
    );
    expect(message).toContain(`line 2: target ${CLASSES} is outside [0, ${CLASSES})`);
    expect(message).toMatch(/and \d+ more line\(s\) at fault/);
  });
});
