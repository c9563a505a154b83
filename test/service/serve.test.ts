// `sketchboard serve`'s bootstrap: first start creates the demo competition and host token, a second start reuses them.
import { readdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { DEMO_DATASET, DEMO_SLUG } from '../../functions/cli/demo-competition.js';
import { main } from '../../functions/cli/main.js';
import { startService } from '../../functions/cli/service.js';
import { loadEnv } from '../../functions/config/env.js';
import { openDatabase } from '../../functions/db/client.js';
import { competitions } from '../../functions/db/schema.js';
import { datasetsDirOf } from '../../functions/intake/dataset.js';
import { imagesDirOf } from '../../functions/intake/test-images.js';
import { useSuiteDir } from '../helpers/temp.js';

const tmp = useSuiteDir('sb-serve-');

describe('startService (embedded)', () => {
  it('creates the demo competition and a host token on first start, reuses both on the second', async () => {
    // PORT=0: any free port.
    const env = loadEnv({ SKETCHBOARD_DATA_DIR: tmp.dir, SKETCHBOARD_EMBEDDED_SCORER: 'false', PORT: '0' });
    const first = await startService(env, { hostname: '127.0.0.1' });
    let token: string;
    try {
      expect(first.hostToken.generated).toBe(true);
      token = first.hostToken.token;
      expect(first.demo?.created).toBe(true);
      expect(first.demo?.competition.slug).toBe(DEMO_SLUG);
      expect(first.demo?.competition.classes).toBe(DEMO_DATASET.classes);
      expect((await stat(first.demo!.baselineBundle)).size).toBeGreaterThan(0);
      const health = await fetch(`${first.url}/healthz`);
      expect(health.status).toBe(200);
      const list = (await (await fetch(`${first.url}/api/competitions`)).json()) as {
        competitions: { slug: string }[];
      };
      expect(list.competitions.map((c) => c.slug)).toEqual([DEMO_SLUG]);
      // The host token printed at start is the one the API accepts for host-only data.
      const board = await fetch(`${first.url}/api/competitions/${DEMO_SLUG}/leaderboard?split=private`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(board.status).toBe(200);
    } finally {
      await first.stop();
    }
    // The scorer reads the demo's images from a folder of their own, not from test/ beside test_labels.csv.
    const database = await openDatabase(env);
    try {
      const [demo] = await database.db.select().from(competitions).where(eq(competitions.slug, DEMO_SLUG));
      expect(demo.datasetDir).toBe(imagesDirOf(datasetsDirOf(env.dataDir), demo.datasetSha256));
      expect(await readdir(dirname(demo.datasetDir))).toEqual(['images']);
    } finally {
      await database.close();
    }
    const second = await startService(env, { hostname: '127.0.0.1' });
    try {
      expect(second.hostToken).toEqual({ token, generated: false });
      expect(second.demo?.created).toBe(false);
      const list = (await (await fetch(`${second.url}/api/competitions`)).json()) as {
        competitions: unknown[];
      };
      expect(list.competitions).toHaveLength(1);
    } finally {
      await second.stop();
    }
  }, 180_000);

  it('refuses a bad environment before opening anything', async () => {
    expect(() => loadEnv({ PORT: 'eighty' })).toThrow(/PORT/);
    expect(await main(['serve', '--bogus'])).toBe(2);
  });
});
