// Page security: escaping of everything a team typed, the HttpOnly session cookie, CSRF and origin checks, ids.
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppEnv } from '../../functions/http/context.js';
import { requestId } from '../../functions/http/middleware/request-id.js';
import { registerPages } from '../../functions/http/pages/index.js';
import { getSubmission } from '../../functions/services/index.js';
import { addTeam, seedCompetition } from '../helpers/db.js';
import {
  csrfOf,
  failedSubmission,
  openWebHarness,
  page,
  postForm,
  scoredSubmission,
  signIn,
  type WebHarness,
} from './harness.js';

const EVIL_TEAM = '<script>alert(1)</script>';
const EVIL_MEMBERS = [`O'Brien "Bob"`, 'Tom & Jerry'];
const EVIL_ERROR = '<img src=x onerror=alert(2)> & "quoted"';

let h: WebHarness;
let slug: string;
let evil: { teamId: string; bundleId: string; token: string };
let other: { teamId: string; bundleId: string; token: string };
let evilSub: string;
let otherSub: string;
let evilFailed: string;

beforeAll(async () => {
  h = await openWebHarness();
  const seed = await seedCompetition(h.ctx, { slug: 'sec-demo', title: 'Security & "friends"' });
  slug = seed.slug;
  other = seed;
  evil = await addTeam(h.ctx, slug, { name: EVIL_TEAM, members: EVIL_MEMBERS });
  const members = [{ member: '<b>m0</b>', model: 'a&b.onnx', publicAccuracy: 0.5, privateAccuracy: 0.5 }];
  evilSub = await scoredSubmission(h.ctx, h.blobs, evil, {
    publicCorrect: 15,
    privateCorrect: 12,
    members: [...members, { ...members[0], member: 'm1' }],
  });
  evilFailed = await failedSubmission(h.ctx, evil, EVIL_ERROR);
  otherSub = await scoredSubmission(h.ctx, h.blobs, other, { publicCorrect: 10, privateCorrect: 10 });
});

afterAll(() => h?.close());

describe('pages: security', () => {
  it('escapes every team-typed string on every page and carries no scripts', async () => {
    const cookie = await signIn(h, evil.token);
    const paths = [
      '/',
      `/c/${slug}`,
      `/c/${slug}/team`,
      `/submissions/${evilSub}`,
      `/submissions/${evilFailed}`,
    ];
    for (const path of paths) {
      const { status, html } = await page(h, path, cookie);
      expect(status, path).toBe(200);
      expect(html, path).not.toMatch(/<script|<img|<b>m0/i);
      expect(html, path).not.toContain(`O'Brien`);
    }
    const board = (await page(h, `/c/${slug}`)).html;
    expect(board).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(board).toContain('O&#39;Brien &quot;Bob&quot;, Tom &amp; Jerry');
    expect((await page(h, '/')).html).toContain('Security &amp; &quot;friends&quot;');
    const team = (await page(h, `/c/${slug}/team`, cookie)).html;
    expect(team).toContain('&lt;img src=x onerror=alert(2)&gt; &amp; &quot;quoted&quot;');
    expect(team).toContain('&lt;b&gt;m0&lt;/b&gt; (<code>a&amp;b.onnx</code>)');
    expect((await page(h, `/submissions/${evilSub}`, cookie)).html).toContain(
      '<h1>Submission by &lt;script&gt;alert(1)&lt;/script&gt;</h1>',
    );
  });

  it('sends a no-script CSP, no framing; only the board anyone sees may be cached, never a personal page', async () => {
    const { headers } = await page(h, `/c/${slug}`);
    const csp = headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toMatch(/script-src|unsafe-inline/);
    expect(headers.get('x-frame-options')).toBe('DENY');
    expect(headers.get('cache-control')).toBe('public, max-age=5, stale-while-revalidate=30');
    const cookie = await signIn(h, evil.token);
    const signedIn = await page(h, `/c/${slug}`, cookie);
    expect(signedIn.headers.get('cache-control')).toBe('private, no-cache');
    expect(signedIn.headers.get('x-frame-options')).toBe('DENY');
    for (const path of [`/c/${slug}/team`, `/submissions/${evilSub}`]) {
      expect((await page(h, path, cookie)).headers.get('cache-control'), path).toBe('no-store');
    }
  });

  it('keeps the token in an HttpOnly SameSite=Lax cookie, Secure over https, and never in a page', async () => {
    const res = await postForm(h, '/sign-in', { token: evil.token, next: `/c/${slug}/team` });
    const cookie = res.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^sb_session=[^;]+; Max-Age=2592000; Path=\/; HttpOnly; SameSite=Lax$/);
    const proxied = await postForm(h, '/sign-in', { token: evil.token }, { 'x-forwarded-proto': 'https' });
    expect(proxied.headers.get('set-cookie')).toMatch(/; Secure/);
    for (const path of [`/c/${slug}/team`, `/submissions/${evilSub}`, '/']) {
      expect((await page(h, path, cookie.split(';')[0])).html).not.toContain(evil.token);
    }

    const always = new Hono<AppEnv>().use(requestId());
    registerPages(always, h.deps, { secureCookies: 'always' });
    const form = { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' } };
    const signedIn = await always.request('/sign-in', { ...form, body: `token=${evil.token}` });
    expect(signedIn.headers.get('set-cookie')).toMatch(/; HttpOnly; Secure; SameSite=Lax$/);
  });

  it('refuses a final toggle without this session’s CSRF token or from another site, changing nothing', async () => {
    const cookie = await signIn(h, evil.token);
    const csrf = csrfOf((await page(h, `/c/${slug}/team`, cookie)).html);
    const otherCsrf = csrfOf((await page(h, `/c/${slug}`, await signIn(h, other.token))).html);
    const path = `/c/${slug}/team/final`;
    const fields = { submission: evilSub, selected: 'true' };
    const refused = [
      await postForm(h, path, fields, { cookie }),
      await postForm(h, path, { ...fields, csrf: `${csrf.slice(0, -1)}x` }, { cookie }),
      await postForm(h, path, { ...fields, csrf: otherCsrf }, { cookie }),
      await postForm(h, path, { ...fields, csrf }, { cookie, origin: 'https://evil.example' }),
      await postForm(h, path, { ...fields, csrf }, { cookie, 'sec-fetch-site': 'cross-site' }),
    ];
    for (const res of refused) {
      expect(res.status).toBe(403);
      expect(await res.text()).toContain('<code>forbidden</code>');
    }
    const viewer = { kind: 'team' as const, team: { id: evil.teamId } };
    expect((await getSubmission(h.ctx, evilSub, viewer)).selectedFinal).toBe(false);
    const ok = await postForm(h, path, { ...fields, csrf }, { cookie, origin: 'http://localhost' });
    expect(ok.status).toBe(303);
    expect((await getSubmission(h.ctx, evilSub, viewer)).selectedFinal).toBe(true);
  });

  it('refuses cross-site sign-in, redirects only to local paths, and signs out only with the CSRF token', async () => {
    const cross = await postForm(h, '/sign-in', { token: evil.token }, { origin: 'https://evil.example' });
    expect(cross.status).toBe(403);
    expect(cross.headers.get('set-cookie')).toBeNull();
    for (const next of ['//evil.example/x', 'https://evil.example', '/\\evil.example']) {
      expect((await postForm(h, '/sign-in', { token: evil.token, next })).headers.get('location')).toBe('/');
    }
    const cookie = await signIn(h, evil.token);
    expect((await postForm(h, '/sign-out', { csrf: 'nope' }, { cookie })).status).toBe(403);
    const csrf = csrfOf((await page(h, '/', cookie)).html);
    const out = await postForm(h, '/sign-out', { csrf }, { cookie });
    expect(out.status).toBe(303);
    expect(out.headers.get('set-cookie')).toMatch(/^sb_session=; Max-Age=0; Path=\//);
  });

  it("answers another team's submission and output as 404, like a missing one; the host sees both", async () => {
    const cookie = await signIn(h, evil.token);
    for (const path of [`/submissions/${otherSub}`, `/submissions/${otherSub}/output.csv`]) {
      const res = await h.app.request(path, { headers: { cookie } });
      expect(res.status, path).toBe(404);
      expect(await res.text()).toContain(`no submission ${otherSub}`);
    }
    const otherTeam = await page(h, `/c/${slug}/team`, await signIn(h, other.token));
    expect(otherTeam.html).not.toContain(evilSub);
    const host = await signIn(h, 'host-token-for-tests-0123456789');
    expect((await page(h, `/submissions/${otherSub}`, host)).status).toBe(200);
  });
});
