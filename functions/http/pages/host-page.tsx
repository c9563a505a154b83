// `GET /c/:slug/host` (the signed-in host's page) and its forms `POST /c/:slug/host/:action` (CSRF-checked).
import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import type { Hono } from 'hono';
import { z } from 'zod';
import { updateCompetitionBody } from '../../../core/api/host.js';
import { multipartBoundary, readMultipart } from '../../intake/multipart.js';
import { closeCompetition } from '../../services/competitions.js';
import {
  disqualifySubmission,
  disqualifyTeam,
  listTeams,
  reopenCompetition,
  updateCompetition,
} from '../../services/host.js';
import { getCompetition } from '../../services/index.js';
import { replaceLabels } from '../../services/labels.js';
import type { BlobStore } from '../../storage/blob.js';
import { readText, requireMediaType, validate } from '../body.js';
import type { AppContext, AppEnv } from '../context.js';
import { HttpError } from '../errors.js';
import { headerOf, type PageDeps } from './auth.js';
import { HostPage } from './host-view.js';
import { sendPage } from './layout.js';
import { checkCsrf, checkSameOrigin, readSession, type Session } from './session.js';

/** Largest update form (title, two markdown texts of up to 20,000 characters, dates), bytes. */
const MAX_HOST_FORM_BYTES = 256 * 1024;
/** Largest labels file posted by the form, bytes. */
const MAX_LABELS_FORM_BYTES = 32 * 1024 * 1024;

/** The session of the host: 401 for nobody (the error page offers the sign-in form), 403 for a team. */
async function hostSession(c: AppContext, deps: PageDeps): Promise<Session> {
  const session = await readSession(c, deps.services);
  if (session.principal.kind === 'anonymous')
    throw new HttpError('unauthenticated', 'sign in with the host token to manage this competition');
  if (session.principal.kind !== 'host')
    throw new HttpError('forbidden', 'only the host manages a competition');
  return session;
}

/** A url-encoded form (same origin, capped) with its CSRF token checked. */
async function hostForm(c: AppContext, session: Session): Promise<Record<string, string>> {
  checkSameOrigin(c);
  requireMediaType(c.req.header('content-type'), ['application/x-www-form-urlencoded']);
  const form = Object.fromEntries(new URLSearchParams(await readText(c.req.raw.body, MAX_HOST_FORM_BYTES)));
  checkCsrf(session, form.csrf);
  return form;
}

const optionalInt = (v: string | undefined) => (v === undefined || v.trim() === '' ? undefined : Number(v));
const teamIdOf = async (deps: PageDeps, slug: string, name: string) => {
  const team = (await listTeams(deps.services, slug)).find((t) => t.name === name.trim());
  if (!team) throw new HttpError('not_found', `no team named "${name}"`);
  return team.id;
};

/** Each form's action: what it changes and the notice shown after it. */
const ACTIONS: Record<
  string,
  (deps: PageDeps & { blobs: BlobStore }, slug: string, form: Record<string, string>) => Promise<string>
> = {
  async update(deps, slug, form) {
    const body = validate(
      updateCompetitionBody,
      {
        title: form.title,
        description: form.description,
        rules: form.rules,
        endsAt: form.endsAt?.trim() || undefined,
        dailyLimit: optionalInt(form.dailyLimit),
        finals: optionalInt(form.finals),
      },
      'form',
    );
    await updateCompetition(deps.services, slug, {
      ...body,
      endsAt: body.endsAt ? new Date(body.endsAt) : undefined,
    });
    return 'Saved.';
  },
  async close(deps, slug) {
    await closeCompetition(deps.services, slug);
    return 'Closed: the private leaderboard is open.';
  },
  async reopen(deps, slug, form) {
    const { endsAt } = validate(
      z.strictObject({ endsAt: z.iso.datetime({ offset: true }) }),
      { endsAt: form.endsAt },
      'form',
    );
    await reopenCompetition(deps.services, slug, new Date(endsAt));
    return `Reopened until ${endsAt}.`;
  },
  async disqualify(deps, slug, form) {
    const reason = (form.reason ?? '').trim();
    if (reason === '') throw new HttpError('invalid_argument', 'give the reason the team will read');
    if ((form.submission ?? '').trim() !== '') {
      await disqualifySubmission(deps.services, form.submission.trim(), reason);
      return `Submission ${form.submission.trim()} disqualified.`;
    }
    await disqualifyTeam(deps.services, slug, await teamIdOf(deps, slug, form.team ?? ''), reason);
    return `Team ${form.team.trim()} disqualified.`;
  },
  async requalify(deps, slug, form) {
    await disqualifyTeam(deps.services, slug, await teamIdOf(deps, slug, form.team ?? ''), null);
    return `Team ${form.team.trim()} requalified.`;
  },
};

/** Register the host's page and its forms. */
export function registerHostPage(web: Hono<AppEnv>, deps: PageDeps & { blobs: BlobStore }): void {
  const render = async (c: AppContext, session: Session, slug: string, notice?: string) => {
    const [competition, teams] = await Promise.all([
      getCompetition(deps.services, slug),
      listTeams(deps.services, slug),
    ]);
    return sendPage(
      c,
      <HostPage header={headerOf(session)} competition={competition} teams={teams} notice={notice} />,
    );
  };

  web.get('/c/:slug/host', async (c) => render(c, await hostSession(c, deps), c.req.param('slug')));

  web.post('/c/:slug/host/labels', async (c) => {
    const session = await hostSession(c, deps);
    checkSameOrigin(c);
    const boundary = multipartBoundary(c.req.header('content-type'));
    if (!boundary)
      throw new HttpError('unsupported_media_type', 'send the labels file from the form (multipart)');
    const { fields, files } = await readMultipart(c.req.raw.body, boundary, {
      fields: ['csrf'],
      files: { labels: { dir: tmpdir(), maxBytes: MAX_LABELS_FORM_BYTES, label: 'labels' } },
    });
    const upload = files.labels;
    try {
      checkCsrf(session, fields.csrf);
      if (!upload) throw new HttpError('invalid_argument', 'choose the corrected test_labels.csv');
      const slug = c.req.param('slug');
      const r = await replaceLabels(deps.services, deps.blobs, slug, await readFile(upload.path, 'utf8'));
      deps.boards.forget(slug);
      const teams = r.teams.map(
        (t) => `${t.team} ${t.public.before?.toFixed(4) ?? '—'} → ${t.public.after?.toFixed(4) ?? '—'}`,
      );
      return render(
        c,
        session,
        slug,
        `Labels replaced: ${r.rescored} submission(s) rescored (${r.changed} changed). ${teams.join('; ')}`,
      );
    } finally {
      if (upload) await rm(upload.path, { force: true });
    }
  });

  web.post('/c/:slug/host/:action', async (c) => {
    const session = await hostSession(c, deps);
    const act = Object.hasOwn(ACTIONS, c.req.param('action')) ? ACTIONS[c.req.param('action')] : undefined;
    if (!act) throw new HttpError('not_found', `no host action ${c.req.param('action')}`);
    const form = await hostForm(c, session);
    const slug = c.req.param('slug');
    const notice = await act(deps, slug, form);
    deps.boards.forget(slug);
    return render(c, session, slug, notice);
  });
}
