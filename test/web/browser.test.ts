// Browser test: the real server over PGlite driven by Debian's Chromium (playwright-core), screenshots in test-artifacts/.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../../functions/http/server.js';
import { registerTeam } from '../../functions/services/index.js';
import { addBundle, seedCompetition } from '../helpers/db.js';
import { openWebHarness, scoredSubmission, type WebHarness } from './harness.js';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join(process.cwd(), 'test-artifacts');
const missing = !existsSync(CHROMIUM);
if (missing) console.warn(`browser test skipped: ${CHROMIUM} not found (CI installs Debian's chromium)`);

let h: WebHarness;
let server: RunningServer;
let profile: string;
let context: BrowserContext;
let browserPage: Page;
let demoToken: string;
let endsAt: Date;

describe.skipIf(missing)('pages in Chromium', () => {
  beforeAll(async () => {
    h = await openWebHarness();
    const seed = await seedCompetition(h.ctx, { slug: 'sketch-demo', title: 'Sketch demo', finals: 2 });
    endsAt = new Date(h.clock.now().getTime() + 7 * 86_400_000);
    const demo = await registerTeam(h.ctx, seed.slug, { name: 'Demo team', members: ['ana & bo', 'cy'] });
    const demoTeam = { teamId: demo.team.id, bundleId: await addBundle(h.ctx, demo.team.id) };
    demoToken = demo.token;
    const members = [
      { member: 'fold0', model: 'large/fold0.onnx', publicAccuracy: 0.8, privateAccuracy: 0.6 },
      { member: 'fold1', model: 'large/fold1.onnx', publicAccuracy: 0.85, privateAccuracy: 0.55 },
    ];
    await scoredSubmission(h.ctx, h.blobs, demoTeam, { publicCorrect: 16, privateCorrect: 11 });
    h.clock.advance(2 * 3_600_000);
    await scoredSubmission(h.ctx, h.blobs, demoTeam, { publicCorrect: 18, privateCorrect: 12, members });
    await scoredSubmission(h.ctx, h.blobs, seed, { publicCorrect: 17, privateCorrect: 15 });

    server = await startServer({ env: { port: 0 }, deps: h.deps, hostname: '127.0.0.1' });
    profile = await mkdtemp(join(tmpdir(), 'sb-chromium-'));
    await mkdir(ARTIFACTS, { recursive: true });
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--no-first-run',
      ],
      viewport: { width: 1024, height: 800 },
    });
    context.setDefaultTimeout(10_000);
    browserPage = context.pages()[0] ?? (await context.newPage());
  });

  afterAll(async () => {
    await context?.close();
    await server?.close(1000);
    await h?.close();
    if (profile) await rm(profile, { recursive: true, force: true });
  });

  it('shows the demo team on the board, signs in, toggles a final, and shows the private tab after the end', async () => {
    const p = browserPage;
    await p.goto(`${server.url}/c/sketch-demo`);
    const demoRow = p.locator('tr', { hasText: 'Demo team' });
    expect(await demoRow.locator('td').first().textContent()).toBe('1');
    expect(await demoRow.textContent()).toContain('0.9000');
    expect(await demoRow.textContent()).toContain('ana & bo, cy');
    expect(await p.getByRole('link', { name: 'Private', exact: true }).count()).toBe(0);

    await p.getByRole('link', { name: 'Your team’s page' }).click();
    await p.getByLabel('Team token').fill(demoToken);
    await p.getByRole('button', { name: 'Sign in' }).click();
    await p.waitForURL(`${server.url}/c/sketch-demo/team`);
    expect(await p.locator('h1').textContent()).toBe('Demo team');
    expect(await p.locator('svg circle').count()).toBe(2);
    const cookies = await context.cookies(server.url);
    expect(cookies.find((c) => c.name === 'sb_session')).toMatchObject({ httpOnly: true, sameSite: 'Lax' });

    await p
      .getByRole('button', { name: /^Select submission of .* as final$/ })
      .first()
      .click();
    await p.getByText('1 of 2 selected').waitFor();
    expect(await p.getByRole('button', { name: 'Unselect' }).count()).toBe(1);
    await p.setViewportSize({ width: 390, height: 844 });
    await p.screenshot({ path: join(ARTIFACTS, 'web-team-phone.png'), fullPage: true });
    await p.setViewportSize({ width: 1024, height: 800 });
    await p.locator('tbody th a').first().click();
    await p.getByRole('heading', { name: 'Ensemble members' }).waitFor();
    expect(await p.locator('dl').first().textContent()).toContain('0.9000 (18/20)');
    await p.screenshot({ path: join(ARTIFACTS, 'web-submission.png'), fullPage: true });

    h.clock.set(new Date(endsAt.getTime() + 60_000)); // the competition's end is now in the past
    await p.goto(`${server.url}/c/sketch-demo`);
    await p.getByRole('link', { name: 'Private', exact: true }).click();
    await p.waitForURL(/split=private/);
    const privateDemo = p.locator('tr', { hasText: 'Demo team' });
    expect(await privateDemo.textContent()).toContain('▼1');
    expect(await p.locator('tr', { hasText: 'Team A' }).textContent()).toContain('▲1');
    await p.screenshot({ path: join(ARTIFACTS, 'web-private-board.png'), fullPage: true });
    expect(existsSync(join(ARTIFACTS, 'web-private-board.png'))).toBe(true);
  });
});
