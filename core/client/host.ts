// The host's calls (host token): create and close a competition, rebuild its standings. `sketchboard host` uses it.
import {
  type ApiCompetition,
  type ApiHostTeam,
  type ApiLabelsResult,
  type ApiRebuildStandings,
  type ApiSubmission,
  type CompetitionFormFields,
  type CreateCompetitionBody,
  competitionResponse,
  disqualifiedSubmissionResponse,
  hostTeamListResponse,
  hostTeamResponse,
  labelsResponse,
  rebuildStandingsResponse,
  type UpdateCompetitionBody,
} from '../api/index.js';
import { SketchboardClient, seg } from './client.js';
import { multipartFile, zipIfFolder } from './dataset-upload.js';
import { fileBody } from './upload.js';

/**
 * The API client with the host routes. Every participant method works too (a host may read any board).
 *
 * @example
 * const host = new HostClient({ server: 'http://localhost:8787', token: process.env.SKETCHBOARD_HOST_TOKEN });
 * const { teams, boardVersion } = await host.rebuildStandings('sketch-demo');
 */
export class HostClient extends SketchboardClient {
  /** `POST /api/competitions`: a competition from a dataset folder on the server. */
  async createCompetition(input: CreateCompetitionBody): Promise<ApiCompetition> {
    const res = await this.json(
      competitionResponse,
      '/api/competitions',
      this.post(input),
      'create competition',
    );
    return res.competition;
  }

  /** `POST /api/competitions/:slug/close`: end the competition now; the private board opens. */
  async close(slug: string): Promise<ApiCompetition> {
    const path = `/api/competitions/${seg(slug)}/close`;
    return (await this.json(competitionResponse, path, { method: 'POST' }, `close ${slug}`)).competition;
  }

  /**
   * `POST /api/competitions/:slug/standings/rebuild`: recompute the competition's standings from its
   * submissions; answers how many teams each board ranks and the board version the ETags now derive from.
   */
  async rebuildStandings(slug: string): Promise<ApiRebuildStandings> {
    const path = `/api/competitions/${seg(slug)}/standings/rebuild`;
    return this.json(rebuildStandingsResponse, path, { method: 'POST' }, `rebuild standings of ${slug}`);
  }

  /**
   * `POST /api/competitions` (multipart): a competition from a local dataset folder (zipped here into a temp
   * file first) or its zip, streamed with the fields.
   */
  async createFromLocal(path: string, fields: CompetitionFormFields): Promise<ApiCompetition> {
    const { zip, cleanup } = await zipIfFolder(path);
    try {
      const text = Object.fromEntries(
        Object.entries(fields)
          .filter(([, v]) => v !== undefined)
          .map(([k, v]) => [k, String(v)]),
      );
      const form = await multipartFile(text, 'dataset', 'dataset.zip', zip);
      try {
        const init = {
          method: 'POST',
          headers: { 'content-type': form.contentType, 'content-length': String(form.size) },
          body: form.body,
          duplex: 'half' as const,
        };
        return (await this.json(competitionResponse, '/api/competitions', init, 'create competition'))
          .competition;
      } finally {
        await form.close();
      }
    } finally {
      await cleanup();
    }
  }

  /** `PATCH /api/competitions/:slug`: title, description, rules, endsAt, dailyLimit, finals. */
  async update(slug: string, body: UpdateCompetitionBody): Promise<ApiCompetition> {
    const init = { ...this.post(body), method: 'PATCH' };
    return (await this.json(competitionResponse, `/api/competitions/${seg(slug)}`, init, `update ${slug}`))
      .competition;
  }

  /** `POST /api/competitions/:slug/reopen`: an ended competition open again until `endsAt`. */
  async reopen(slug: string, endsAt: string): Promise<ApiCompetition> {
    const path = `/api/competitions/${seg(slug)}/reopen`;
    return (await this.json(competitionResponse, path, this.post({ endsAt }), `reopen ${slug}`)).competition;
  }

  /** `GET /api/competitions/:slug/teams`: every team with its disqualification. */
  async teams(slug: string): Promise<ApiHostTeam[]> {
    const path = `/api/competitions/${seg(slug)}/teams`;
    return (await this.json(hostTeamListResponse, path, {}, `teams of ${slug}`)).teams;
  }

  /** `POST /api/submissions/:id/disqualify` with a reason, or `/requalify` with null. */
  async disqualifySubmission(id: string, reason: string | null): Promise<ApiSubmission> {
    const path = `/api/submissions/${seg(id)}/${reason === null ? 'requalify' : 'disqualify'}`;
    const init = reason === null ? { method: 'POST' } : this.post({ reason });
    return (await this.json(disqualifiedSubmissionResponse, path, init, `disqualify ${id}`)).submission;
  }

  /** `POST /api/competitions/:slug/teams/:id/disqualify` with a reason, or `/requalify` with null. */
  async disqualifyTeam(slug: string, teamId: string, reason: string | null): Promise<ApiHostTeam> {
    const path = `/api/competitions/${seg(slug)}/teams/${seg(teamId)}/${reason === null ? 'requalify' : 'disqualify'}`;
    const init = reason === null ? { method: 'POST' } : this.post({ reason });
    return (await this.json(hostTeamResponse, path, init, `disqualify team ${teamId}`)).team;
  }

  /** `PUT /api/competitions/:slug/labels`: a corrected test_labels.csv (streamed); every scored submission rescored. */
  async replaceLabels(slug: string, csvPath: string): Promise<ApiLabelsResult> {
    const file = await fileBody(csvPath);
    try {
      const init = {
        method: 'PUT',
        headers: { 'content-type': 'text/csv', 'content-length': String(file.size) },
        body: file.body,
        duplex: 'half' as const,
      };
      return await this.json(
        labelsResponse,
        `/api/competitions/${seg(slug)}/labels`,
        init,
        `labels of ${slug}`,
      );
    } finally {
      await file.close();
    }
  }
}
