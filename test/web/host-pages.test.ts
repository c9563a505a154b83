// The host's markdown rendered safely, the Overview / Rules tabs, and the host's page with its CSRF-checked forms.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { competitionResponse } from '../../core/api/competitions.js';
import { renderMarkdown } from '../../functions/http/pages/markdown.js';
import { csrfToken } from '../../functions/http/pages/session.js';
import { type Harness, HOST, openHarness } from '../api/fixtures.js';
import { call, createCompetition, parse, registerTeam } from '../api/flow.js';

/** Anything that could run: script or style elements, event handlers, javascript:/data: URLs, frames, forms, images. */
const ACTIVE =
  /<\s*(script|style|iframe|object|embed|img|svg|form|input|link|meta|base)\b|\son[a-z]+\s*=|(javascript|vbscript|data):/i;

/** Every tag of an HTML string, joined. */
const tags = (html: string) => html.match(/<[a-z][^>]*>/gi)?.join('') ?? '';

describe('renderMarkdown', () => {
  it('keeps markdown structure and safe links, with rel="noopener nofollow"', () => {
    const html = renderMarkdown(
      '# Rules\n\n- **one**\n- `two`\n\n[site](https://example.org) [mail](mailto:a@b.c)',
    );
    expect(html).toContain('<h1>Rules</h1>');
    expect(html).toContain('<li><strong>one</strong></li>');
    expect(html).toContain('<a href="https://example.org" rel="noopener nofollow">site</a>');
    expect(html).toContain('<a href="mailto:a@b.c" rel="noopener nofollow">mail</a>');
  });

  it('lets nothing active through: scripts, onerror images, javascript: links, raw HTML blocks', () => {
    const hostile = [
      '<script>alert(1)</script>',
      '<img src=x onerror="alert(1)">',
      '![x](javascript:alert(1))',
      '[click](javascript:alert(1))',
      '[click](JaVaScRiPt:alert(1))',
      '[click](data:text/html;base64,PHNjcmlwdD4=)',
      '<div onclick="alert(1)">\n\n**raw block**\n\n</div>',
      '<a href="javascript:alert(1)">a</a>',
      '<iframe src="https://evil"></iframe>',
      '<svg onload=alert(1)>',
      '<style>body{display:none}</style>',
    ];
    for (const source of hostile) {
      const html = renderMarkdown(source);
      // Escaped text may still read "onerror=": only real tags matter.
      expect(tags(html), source).not.toMatch(ACTIVE);
      expect(html).not.toMatch(/<(div|a href="javascript)/i);
    }
    // Raw HTML is shown as text, not dropped silently.
    expect(renderMarkdown('<b>bold?</b>')).toContain('&lt;b&gt;bold?&lt;/b&gt;');
  });

  it('never emits an active construct for arbitrary input (fast-check)', () => {
    const pieces = fc.constantFrom(
      '<script>',
      '</script>',
      '<img src=x onerror=alert(1)>',
      '[a](javascript:x)',
      '<a href="data:x">',
      '`',
      '**',
      '\n\n',
      '<div>',
      'onerror=',
      ' ',
      'x',
    );
    fc.assert(
      fc.property(fc.array(fc.oneof(pieces, fc.string()), { maxLength: 20 }), (parts) => {
        const html = renderMarkdown(parts.join(''));
        // Text may mention "onerror=" or "javascript:", escaped; no tag may carry them.
        expect(tags(html)).not.toMatch(ACTIVE);
      }),
      { numRuns: 300 },
    );
  });
});

describe('competition tabs and the host page', () => {
  let h: Harness;
  let s: string;
  const TOKEN = HOST.Authorization.slice('Bearer '.length);
  const hostCookie = { Cookie: `sb_session=${TOKEN}` };
  const csrf = csrfToken({ principal: { kind: 'host' }, token: TOKEN });
  const form = (path: string, fields: Record<string, string>, headers: Record<string, string> = hostCookie) =>
    call(h, 'POST', path, {
      headers: { ...headers, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
    });
  beforeAll(async () => {
    h = await openHarness('pglite');
    s = await createCompetition(h, {
      description: 'Hello <script>alert(1)</script> **there**',
      rules: '1. Be [fair](javascript:alert(1))',
    });
  });
  afterAll(() => h?.close());

  it('Overview and Rules render the sanitized markdown and the limits, with the tabs', async () => {
    const overview = await call(h, 'GET', `/c/${s}/overview`);
    expect(overview.status).toBe(200);
    expect(overview.text).toContain('<strong>there</strong>');
    expect(overview.text).not.toContain('<script>alert');
    expect(overview.text).toMatch(/up to 5 a day/);
    for (const tab of ['', '/overview', '/data', '/rules'])
      expect(overview.text).toContain(`href="/c/${s}${tab}"`);
    const rules = await call(h, 'GET', `/c/${s}/rules`);
    expect(rules.text).toContain('<a rel="noopener nofollow">fair</a>');
    expect((await call(h, 'GET', `/c/${s}`)).text).toContain(`href="/c/${s}/overview"`);
  });

  it('the host page: 401 signed out, 403 for a team; forms need the CSRF token', async () => {
    const team = await registerTeam(h, s, 'Page team');
    expect((await call(h, 'GET', `/c/${s}/host`)).status).toBe(401);
    expect(
      (await call(h, 'GET', `/c/${s}/host`, { headers: { Cookie: `sb_session=${team.token}` } })).status,
    ).toBe(403);
    const page = await call(h, 'GET', `/c/${s}/host`, { headers: hostCookie });
    expect(page.status).toBe(200);
    expect(page.text).toContain(`name="csrf" value="${csrf}"`);
    expect((await form(`/c/${s}/host/update`, { title: 'Hijacked', csrf: 'nope' })).status).toBe(403);
    expect(
      (
        await form(
          `/c/${s}/host/update`,
          { title: 'Hijacked', csrf },
          { ...hostCookie, Origin: 'https://evil.example' },
        )
      ).status,
    ).toBe(403);

    const saved = await form(`/c/${s}/host/update`, {
      title: 'Retitled',
      description: '*new*',
      rules: '',
      csrf,
    });
    expect(saved.text).toContain('Saved.');
    expect(
      parse(competitionResponse, await call(h, 'GET', `/api/competitions/${s}`)).competition,
    ).toMatchObject({ title: 'Retitled', description: '*new*' });
    const dq = await form(`/c/${s}/host/disqualify`, { team: 'Page team', reason: 'shared accounts', csrf });
    expect(dq.text).toContain('Team Page team disqualified.');
    expect(dq.text).toContain('shared accounts');
    expect((await form(`/c/${s}/host/close`, { csrf })).text).toContain('Closed');
    const reopened = await form(`/c/${s}/host/reopen`, {
      endsAt: new Date(h.clock.now().getTime() + 86_400_000).toISOString(),
      csrf,
    });
    expect(reopened.text).toContain('Reopened until');
    expect((await form(`/c/${s}/host/explode`, { csrf })).status).toBe(404);
  });
});
