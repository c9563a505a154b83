// `sketchboard host` against a scripted server: usage errors, close and rebuild-standings, a refused token.
import { afterEach, describe, expect, it } from 'vitest';
import { hostToken } from '../../core/cli/host.js';
import { cli } from './harness.js';
import { json, requests, scripted, stopScripted } from './scripted-server.js';

afterEach(stopScripted);

const HOST = 'host-token-0123456789';

const competition = {
  id: '6f1d5e0a-1c1b-4a55-9a57-6d1c0c2d6f10',
  slug: 'c',
  title: 'C',
  classes: 10,
  startsAt: '2026-01-01T00:00:00.000Z',
  endsAt: '2026-02-01T00:00:00.000Z',
  phase: 'ended',
  dailyLimit: 5,
  finals: 2,
  publicFraction: 0.5,
  testItems: { public: 10, private: 10 },
  datasetSha256: 'a'.repeat(64),
  createdAt: '2026-01-01T00:00:00.000Z',
};

describe('sketchboard host: usage', () => {
  it('names the known host commands for a missing or unknown one, exit 2', async () => {
    for (const args of [['host'], ['host', 'explode', 'c']]) {
      const run = await cli(args, { hostToken: HOST });
      expect(run.code).toBe(2);
      expect(run.err).toMatch(/^sketchboard host: (missing the host command|unknown host command "explode")/);
      expect(run.err).toMatch(
        /(one of|known:) create, update, close, reopen, disqualify, labels, rebuild-standings\n/,
      );
      expect(run.err).toContain('Usage: sketchboard host <command>');
      expect(run.out).toBe('');
    }
  });

  it('asks for a host token, a slug, and no extra arguments (exit 2, nothing sent)', async () => {
    const url = await scripted({});
    const noToken = await cli(['host', 'close', 'c'], { server: url });
    expect(noToken.code).toBe(2);
    expect(noToken.err).toMatch(
      /^sketchboard host: no host token: pass --token TOKEN or set SKETCHBOARD_HOST_TOKEN/,
    );
    const noSlug = await cli(['host', 'rebuild-standings'], { server: url, hostToken: HOST });
    expect(noSlug.code).toBe(2);
    expect(noSlug.err).toMatch(/^sketchboard host: missing SLUG/);
    const extra = await cli(['host', 'close', 'c', 'd'], { server: url, hostToken: HOST });
    expect(extra.err).toMatch(/^sketchboard host: unexpected argument "d"/);
    const flag = await cli(['host', 'close', 'c', '--force'], { server: url, hostToken: HOST });
    expect(flag.code).toBe(2);
    expect(requests).toEqual([]);
  });

  it('lists the host commands in `help host` and in the verb list', async () => {
    const help = await cli(['help', 'host']);
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/\n {2}close SLUG {2,}end the competition now/);
    expect(help.out).toMatch(/\n {2}rebuild-standings SLUG {2,}recompute the standings/);
    expect((await cli(['help'])).out).toMatch(
      /\n {2}host {7}the host's commands: create, update, close, reopen, disqualify, labels, rebuild-standings/,
    );
  });

  it('takes --token, else SKETCHBOARD_HOST_TOKEN, else SKETCHBOARD_TOKEN', () => {
    const env = { SKETCHBOARD_HOST_TOKEN: 'h', SKETCHBOARD_TOKEN: 't' };
    expect(hostToken('f', env)).toBe('f');
    expect(hostToken(undefined, env)).toBe('h');
    expect(hostToken(undefined, { SKETCHBOARD_HOST_TOKEN: ' ', SKETCHBOARD_TOKEN: 't' })).toBe('t');
    expect(() => hostToken('', {})).toThrow(/no host token/);
  });
});

describe('sketchboard host against a scripted server', () => {
  it('rebuild-standings prints one line with both boards and the board version', async () => {
    const url = await scripted({
      'POST /api/competitions/sketch-demo/standings/rebuild': (_q, res) =>
        json(res, 200, { competition: 'sketch-demo', teams: { public: 12, private: 11 }, boardVersion: 57 }),
    });
    const run = await cli(['host', 'rebuild-standings', 'sketch-demo', '--server', url], { hostToken: HOST });
    expect(run.err).toBe('');
    expect(run.code).toBe(0);
    expect(run.out).toBe(
      'rebuilt standings of sketch-demo: 12 teams on the public board, 11 on the private; board version 57\n',
    );
    expect(requests).toEqual([
      expect.objectContaining({
        method: 'POST',
        url: '/api/competitions/sketch-demo/standings/rebuild',
        authorization: `Bearer ${HOST}`,
      }),
    ]);
  });

  it('close posts to the close route with --token and says the private board is open', async () => {
    const url = await scripted({
      'POST /api/competitions/c/close': (_q, res) => json(res, 200, { competition }),
    });
    const run = await cli(['host', 'close', 'c', '--token', 'flag-token'], { server: url, hostToken: HOST });
    expect(run.code).toBe(0);
    expect(run.out).toBe(
      'closed c: ended 2026-02-01T00:00:00.000Z; the private leaderboard is open (ended)\n',
    );
    expect(requests.map((r) => [r.method, r.url, r.authorization])).toEqual([
      ['POST', '/api/competitions/c/close', 'Bearer flag-token'],
    ]);
  });

  it('answers a refused token (403) with one line and exit 1', async () => {
    const url = await scripted({
      'POST /api/competitions/c/standings/rebuild': (_q, res) =>
        json(res, 403, { error: { code: 'forbidden', message: 'host token required', requestId: 'r1' } }),
    });
    const run = await cli(['host', 'rebuild-standings', 'c'], { server: url, token: 'sb_team-token' });
    expect(run.code).toBe(1);
    expect(run.out).toBe('');
    expect(run.err.trimEnd().split('\n')).toHaveLength(1);
    expect(run.err).toMatch(/^sketchboard host: .*host token required.*403/);
    expect(requests[0].authorization).toBe('Bearer sb_team-token');
  });

  it('names a non-Sketchboard answer instead of crashing on it', async () => {
    const url = await scripted({
      'POST /api/competitions/c/standings/rebuild': (_q, res) => json(res, 200, { rebuilt: true }),
    });
    const run = await cli(['host', 'rebuild-standings', 'c'], { server: url, hostToken: HOST });
    expect(run.code).toBe(1);
    expect(run.err).toMatch(/^sketchboard host: rebuild standings of c: the server's answer is not what/);
  });
});
