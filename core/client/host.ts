// The host's calls (host token): create and close a competition, rebuild its standings. `sketchboard host` uses it.
import {
  type ApiCompetition,
  type ApiRebuildStandings,
  type CreateCompetitionBody,
  competitionResponse,
  rebuildStandingsResponse,
} from '../api/index.js';
import { SketchboardClient, seg } from './client.js';

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
}
