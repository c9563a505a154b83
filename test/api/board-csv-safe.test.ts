// The leaderboard CSV opened in a spreadsheet: a team name or member that looks like a formula is written as text.
import { parse as parseCsv } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drivers } from '../helpers/db.js';
import { type Harness, openHarness } from './fixtures.js';
import { call, createCompetition, submitAndScore, uploadGood } from './flow.js';

describe.each(drivers())('leaderboard CSV over %s', (driver) => {
  let h: Harness;
  beforeAll(async () => {
    h = await openHarness(driver);
  });
  afterAll(() => h?.close());

  it('neutralises cells starting with = + - @ (OWASP): the name is kept, prefixed with a quote', async () => {
    const s = await createCompetition(h);
    const name = '=HYPERLINK("http://evil.example","click")';
    const reply = await call(h, 'POST', `/api/competitions/${s}/teams`, {
      json: { name, members: ['@SUM(1+1)', 'plain'] },
    });
    expect(reply.status, reply.text).toBe(201);
    const { token } = reply.body as { token: string };
    await submitAndScore(h, s, token, await uploadGood(h, s, token, 0));
    const csv = await call(h, 'GET', `/api/competitions/${s}/leaderboard?split=public`, {
      headers: { Accept: 'text/csv' },
    });
    expect(csv.status).toBe(200);
    const [header, row] = parseCsv(csv.text) as string[][];
    expect(header.slice(1, 3)).toEqual(['team', 'members']);
    expect(row[1]).toBe(`'${name}`);
    expect(row[2]).toBe("'@SUM(1+1); plain");
    // The JSON board is data, not a spreadsheet: it keeps the name as typed.
    const json = await call(h, 'GET', `/api/competitions/${s}/leaderboard?split=public`);
    expect((json.body as { rows: { team: string }[] }).rows[0].team).toBe(name);
  });
});
