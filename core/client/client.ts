// A small typed client of the Sketchboard HTTP API (DESIGN.md route table): one method per route the CLI uses.
import type { z } from 'zod';
import {
  type ApiCompetition,
  type ApiLeaderboard,
  type ApiShakeup,
  type ApiSubmission,
  bundleResponse,
  competitionResponse,
  createTeamResponse,
  leaderboardResponse,
  type PlanRequest,
  planResponse,
  type Registration,
  type Split,
  shakeupResponse,
  submissionListResponse,
  submissionResponse,
  triggerResponse,
  type UploadedBundle,
  type UploadPlan,
} from '../api/index.js';
import { formatIssues } from '../errors.js';
import { ClientError, errorFromResponse, unexpectedBody, unreachable } from './errors.js';
import { type FileBodyOptions, fileBody } from './upload.js';

export type ClientOptions = {
  /** Base URL, e.g. http://localhost:8787 (a trailing slash is dropped). */
  server: string;
  /** Team or host bearer token, when the route needs one. */
  token?: string;
};

/** One page of a team's submissions (newest first) and the team's total, as the API answers it. */
export type ApiSubmissionPage = z.infer<typeof submissionListResponse>;

/** `limit` and `offset` of a paginated route; the server's defaults apply to what is left out. */
export type PageRequest = { limit?: number; offset?: number };

/** Retries of a submission trigger that got no answer or a 503; the same Idempotency-Key makes them safe. */
const TRIGGER_ATTEMPTS = 3;

/** One path segment, escaped. */
export const seg = (s: string) => encodeURIComponent(s);

/** `?a=1&b=2` of the defined entries, '' when there are none. */
function queryString(params: Record<string, string | number | undefined>): string {
  const defined = Object.entries(params).filter((e): e is [string, string | number] => e[1] !== undefined);
  const text = new URLSearchParams(defined.map(([k, v]): [string, string] => [k, String(v)])).toString();
  return text ? `?${text}` : '';
}

/**
 * The API client. Every failure is a ClientError with a one-line message (server message, status, code),
 * or the unreachable-server message naming the URL.
 *
 * @example
 * const client = new SketchboardClient({ server: 'http://localhost:8787', token: process.env.SKETCHBOARD_TOKEN });
 * const { bundle } = await client.uploadBundle('sketch-demo', 'bundle.zip');
 * const { submission } = await client.trigger('sketch-demo', bundle.id, crypto.randomUUID());
 */
export class SketchboardClient {
  readonly server: string;
  readonly token: string | undefined;

  constructor(options: ClientOptions) {
    this.server = options.server.replace(/\/+$/, '');
    this.token = options.token;
  }

  /** The same server with another token. */
  withToken(token: string): SketchboardClient {
    return new SketchboardClient({ server: this.server, token });
  }

  /** One request: network failures become the unreachable error, non-2xx the server's error. */
  async send(path: string, init: RequestInit & { duplex?: 'half' }, what: string): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.token !== undefined && !headers.has('authorization'))
      headers.set('authorization', `Bearer ${this.token}`);
    const method = (init.method ?? 'GET').toUpperCase();
    let response: Response | undefined;
    // A GET that fails before any answer is tried once more on a fresh connection: a pooled keep-alive
    // socket may have been closed by the server (e.g. after it answered an upload before reading it all).
    for (let attempt = 0; response === undefined; attempt++) {
      try {
        response = await fetch(`${this.server}${path}`, { ...init, headers });
      } catch (err) {
        if (err instanceof ClientError) throw err;
        const cause = (err as { cause?: unknown }).cause;
        if (cause instanceof ClientError) throw cause;
        if (method !== 'GET' || attempt > 0) throw unreachable(this.server, err);
      }
    }
    if (!response.ok) throw await errorFromResponse(response, what);
    return response;
  }

  /** One JSON request whose answer is checked against `schema`; a mismatch is an `unexpected_response`. */
  protected async json<S extends z.ZodType>(
    schema: S,
    path: string,
    init: RequestInit & { duplex?: 'half' },
    what: string,
  ): Promise<z.infer<S>> {
    const response = await this.send(path, { ...init, headers: withAccept(init.headers) }, what);
    let body: unknown;
    try {
      body = await response.json();
    } catch {
      throw unexpectedBody(what, 'not JSON');
    }
    const parsed = schema.safeParse(body);
    if (!parsed.success) throw unexpectedBody(what, formatIssues(parsed.error.issues.slice(0, 1), 'body'));
    return parsed.data;
  }

  /** A JSON POST (PUT with `method` overridden). */
  protected post(body: unknown, headers: Record<string, string> = {}): RequestInit {
    return {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    };
  }

  /** `GET /healthz`: resolves when the server is up. */
  async health(): Promise<void> {
    await this.send('/healthz', {}, 'health check');
  }

  /** `GET /api/competitions/:slug`. */
  async competition(slug: string): Promise<ApiCompetition> {
    const what = `competition ${slug}`;
    return (await this.json(competitionResponse, `/api/competitions/${seg(slug)}`, {}, what)).competition;
  }

  /** `POST /api/competitions/:slug/teams`: the team and its token (shown only now). */
  async register(slug: string, name: string, members: string[]): Promise<Registration> {
    const path = `/api/competitions/${seg(slug)}/teams`;
    return this.json(createTeamResponse, path, this.post({ name, members }), 'register');
  }

  /**
   * `POST /api/competitions/:slug/bundles`: streams the zip from disk (never read whole), reporting bytes sent.
   * A connection that fails before any answer (e.g. a pooled keep-alive socket the server had already closed)
   * is retried once on a fresh one: bundles are content-addressed, so a repeated upload returns the same bundle.
   */
  async uploadBundle(slug: string, zipPath: string, options: FileBodyOptions = {}): Promise<UploadedBundle> {
    try {
      return await this.#uploadOnce(slug, zipPath, options);
    } catch (err) {
      if (!(err instanceof ClientError) || err.apiCode !== 'unreachable') throw err;
      return await this.#uploadOnce(slug, zipPath, options);
    }
  }

  async #uploadOnce(slug: string, zipPath: string, options: FileBodyOptions): Promise<UploadedBundle> {
    const file = await fileBody(zipPath, options);
    try {
      return await this.json(
        bundleResponse,
        `/api/competitions/${seg(slug)}/bundles`,
        {
          method: 'POST',
          headers: { 'content-type': 'application/zip', 'content-length': String(file.size) },
          body: file.body,
          duplex: 'half',
        },
        'upload',
      );
    } finally {
      await file.close();
    }
  }

  /** `POST /api/competitions/:slug/bundles/plan`: which of the bundle's files the server lacks. */
  async planBundle(slug: string, request: PlanRequest): Promise<UploadPlan> {
    const path = `/api/competitions/${seg(slug)}/bundles/plan`;
    return this.json(planResponse, path, this.post(request), 'upload plan');
  }

  /** `POST /api/competitions/:slug/bundles/plan/:planId/commit`: assemble, validate and record the bundle. */
  async commitBundle(slug: string, planId: string): Promise<UploadedBundle> {
    const path = `/api/competitions/${seg(slug)}/bundles/plan/${seg(planId)}/commit`;
    return this.json(bundleResponse, path, { method: 'POST' }, 'commit');
  }

  /**
   * `POST /api/competitions/:slug/submissions` with an Idempotency-Key: retried (same key) when the server
   * could not be reached or answered 503, so a retry never scores the bundle twice.
   */
  async trigger(
    slug: string,
    bundleId: string,
    idempotencyKey: string,
    retryDelayMs = 1000,
  ): Promise<{ submission: ApiSubmission; created: boolean }> {
    const init = this.post({ bundleId }, { 'idempotency-key': idempotencyKey });
    return this.#submit(slug, init, retryDelayMs);
  }

  /**
   * The same route with a prediction file (`output.csv`, read whole: the server bounds it by the test set)
   * as a `text/csv` body: answered already scored. Retried like {@link trigger}, under the same key.
   */
  async submitPredictions(
    slug: string,
    csv: Uint8Array,
    idempotencyKey: string,
    retryDelayMs = 1000,
  ): Promise<{ submission: ApiSubmission; created: boolean }> {
    const headers = { 'content-type': 'text/csv', 'idempotency-key': idempotencyKey };
    return this.#submit(slug, { method: 'POST', headers, body: csv }, retryDelayMs);
  }

  async #submit(slug: string, init: RequestInit, retryDelayMs: number) {
    const path = `/api/competitions/${seg(slug)}/submissions`;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.json(triggerResponse, path, init, 'submit');
      } catch (err) {
        const transient = err instanceof ClientError && (err.status === null || err.status === 503);
        if (!transient || err.apiCode === 'unexpected_response' || attempt >= TRIGGER_ATTEMPTS) throw err;
        await new Promise((r) => setTimeout(r, retryDelayMs * attempt));
      }
    }
  }

  /** `GET /api/submissions/:id`. */
  async submission(id: string): Promise<ApiSubmission> {
    const what = `submission ${id}`;
    return (await this.json(submissionResponse, `/api/submissions/${seg(id)}`, {}, what)).submission;
  }

  /**
   * `GET /api/competitions/:slug/submissions?limit&offset`: one page of the team's own, newest first
   * (server default 50, at most 200), with the team's total.
   */
  async submissions(slug: string, page: PageRequest = {}): Promise<ApiSubmissionPage> {
    const path = `/api/competitions/${seg(slug)}/submissions${queryString(page)}`;
    return this.json(submissionListResponse, path, {}, 'list submissions');
  }

  /** `PUT /api/submissions/:id/final`. */
  async setFinal(id: string, selected: boolean): Promise<ApiSubmission> {
    const init = { ...this.post({ selected }), method: 'PUT' };
    const what = `${selected ? 'select' : 'unselect'} ${id}`;
    return (await this.json(submissionResponse, `/api/submissions/${seg(id)}/final`, init, what)).submission;
  }

  /**
   * `GET /api/competitions/:slug/leaderboard?split&limit&offset`: a page of the standings and the total;
   * `fresh` asks every cache on the way, the server's own included, for the board as of now.
   */
  async leaderboard(
    slug: string,
    split: Split = 'public',
    page: PageRequest = {},
    opts: { fresh?: boolean } = {},
  ): Promise<ApiLeaderboard> {
    const path = `/api/competitions/${seg(slug)}/leaderboard${queryString({ split, ...page })}`;
    // `fresh`: revalidate with the origin (Cache-Control: no-cache), e.g. right after one's own score.
    const init = opts.fresh ? { headers: { 'cache-control': 'no-cache' } } : {};
    return this.json(leaderboardResponse, path, init, `${split} leaderboard`);
  }

  /** `GET /api/competitions/:slug/shakeup` (after the end): public → private rank with bootstrap intervals. */
  async shakeup(slug: string): Promise<ApiShakeup> {
    return this.json(shakeupResponse, `/api/competitions/${seg(slug)}/shakeup`, {}, 'shake-up');
  }

  /** The same standings as CSV (`Accept: text/csv`), as the server writes them. */
  async leaderboardCsv(slug: string, split: Split = 'public'): Promise<string> {
    const path = `/api/competitions/${seg(slug)}/leaderboard?split=${split}`;
    const res = await this.send(path, { headers: { accept: 'text/csv' } }, `${split} leaderboard`);
    return res.text();
  }
}

function withAccept(headers: RequestInit['headers']): Headers {
  const h = new Headers(headers);
  if (!h.has('accept')) h.set('accept', 'application/json');
  return h;
}
