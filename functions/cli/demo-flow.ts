// `sketchboard demo`: a whole competition on this machine: data, server, three teams training, submitting, leaderboards.
import { relative } from 'node:path';
import type { ApiLeaderboard } from '../../core/api/leaderboard.js';
import { progress } from '../../core/cli/progress.js';
import { processIo, type SubmitIo, type SubmitOutcome, submitBundle } from '../../core/cli/submit-flow.js';
import { leaderboardLines } from '../../core/cli/table.js';
import { SketchboardClient } from '../../core/client/client.js';
import { HostClient } from '../../core/client/host.js';
import { generateSketchDataset } from '../../core/data/generate.js';
import { loadEnv } from '../config/env.js';
import { DEMO_TEAMS, type DemoTeam, type DemoTraining, packTeam, trainTeam } from './demo-teams.js';
import { type RunningService, startService } from './service.js';

export type FullDemoOptions = {
  /** Work folder: data/, server/ (PGlite + blobs), runs/, bundles/. */
  out: string;
  data: { classes: number; trainPerClass: number; testPerClass: number; imageSize: number; seed: number };
  training: DemoTraining;
  /** How long each submission may take to be scored. */
  timeoutMs: number;
  teams?: readonly DemoTeam[];
  say(line: string): void;
  /** Output of the submissions (default: this process's stdout/stderr). */
  io?: SubmitIo;
};

export type FullDemoResult = {
  slug: string;
  /** The server's URL while it ran (it is stopped when runFullDemo returns). */
  url: string;
  outcomes: { team: DemoTeam; outcome: SubmitOutcome }[];
  publicBoard: ApiLeaderboard;
  privateBoard: ApiLeaderboard;
};

const STEPS = 9;

/** The demo competition's slug for a start time: `demo-20260501-134502` (UTC). */
export function demoSlug(at: Date): string {
  const iso = at.toISOString();
  return `demo-${iso.slice(0, 10).replace(/-/g, '')}-${iso.slice(11, 19).replace(/:/g, '')}`;
}

/**
 * The API and embedded scorer in this process on embedded PGlite under `dataDir`: a free loopback port,
 * local blobs, a generated host token, no `sketch-demo` competition.
 *
 * @example
 * const service = await startDemoServer('/tmp/demo/server'); try { ... } finally { await service.stop(); }
 */
export async function startDemoServer(dataDir: string): Promise<RunningService> {
  const env = loadEnv({
    ...process.env,
    PORT: '8787',
    SKETCHBOARD_DATA_DIR: dataDir,
    DATABASE_URL: '',
    SKETCHBOARD_HOST_TOKEN: '',
    SKETCHBOARD_BLOB_BACKEND: 'local',
    SKETCHBOARD_EMBEDDED_SCORER: 'true',
  });
  return startService({ ...env, port: 0 }, { demo: false, hostname: '127.0.0.1' });
}

/**
 * Runs the demo end to end and returns both leaderboards. Every step prints a numbered header with the
 * elapsed time; training, packing and submitting print what the `train`, `pack` and `submit` verbs print.
 *
 * @example
 * const { privateBoard } = await runFullDemo({ out, data, training, timeoutMs: 600_000, say: console.log });
 */
export async function runFullDemo(opts: FullDemoOptions): Promise<FullDemoResult> {
  const { out, say } = opts;
  const teams = opts.teams ?? DEMO_TEAMS;
  const started = Date.now();
  const clock = () => {
    const s = Math.round((Date.now() - started) / 1000);
    return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
  };
  let n = 0;
  const step = (text: string) => say(`\n== ${++n}/${STEPS} [${clock()}] ${text}`);
  const rel = (p: string) => relative(out, p) || '.';
  const dataDir = `${out}/data`;

  const { classes, trainPerClass, testPerClass, imageSize, seed } = opts.data;
  step(
    `generate ${classes} sketch classes: ${trainPerClass} train + ${testPerClass} test images each, ${imageSize}px`,
  );
  const bar = progress('gen', 0);
  const gen = await generateSketchDataset({
    out: dataDir,
    classes,
    trainPerClass,
    testPerClass,
    seed,
    size: imageSize,
    onProgress: (done, total) => bar.update(done, total),
  });
  bar.done(`${gen.trainCount} train, ${gen.testCount} test images in ${rel(dataDir)}`);

  step('start the server (API + embedded scorer, PGlite) in this process');
  const service = await startDemoServer(`${out}/server`);
  try {
    say(
      `server ${service.url}, data in ${rel(`${out}/server`)}, host token ${service.hostToken.token.slice(0, 6)}…`,
    );
    const host = new HostClient({ server: service.url, token: service.hostToken.token });

    const slug = demoSlug(new Date());
    step(`the host creates competition ${slug} (POST /api/competitions)`);
    const competition = await host.createCompetition({
      slug,
      title: `Sketch demo: ${classes} classes, ${teams.length} teams`,
      datasetPath: dataDir,
      endsAt: new Date(Date.now() + 86_400_000).toISOString(),
    });
    say(
      `${competition.slug}: ${competition.classes} classes, test split ${competition.testItems.public} public / ` +
        `${competition.testItems.private} private, ${competition.dailyLimit} submissions a day, ${competition.finals} finals`,
    );

    step(`register ${teams.length} teams (sketchboard register)`);
    const anonymous = new SketchboardClient({ server: service.url });
    const tokens = new Map<DemoTeam, string>();
    for (const team of teams) {
      const { token } = await anonymous.register(slug, team.name, team.members);
      tokens.set(team, token);
      say(`team ${team.key} "${team.name}" (${team.members.join(', ')}): ${team.recipe}`);
    }

    const t = opts.training;
    step(
      `train (sketchboard train: ${t.epochs} epoch${t.epochs === 1 ? '' : 's'}, ${t.size}px CNN, up to ${t.parallel} folds at once)`,
    );
    for (const team of teams) {
      say(`-- team ${team.key} "${team.name}": ${team.recipe}`);
      await trainTeam(team, dataDir, out, t);
    }

    step('pack each run as a soft-vote bundle (sketchboard pack RUN_DIR --vote soft)');
    const bundles = new Map<DemoTeam, string>();
    for (const team of teams) {
      say(`-- team ${team.key} "${team.name}"`);
      bundles.set(team, await packTeam(team, out));
    }

    step('submit and wait for the scores (sketchboard submit)');
    const outcomes: FullDemoResult['outcomes'] = [];
    for (const team of teams) {
      const zip = bundles.get(team) as string;
      say(`-- team ${team.key} "${team.name}" submits ${rel(zip)}`);
      const client = anonymous.withToken(tokens.get(team) as string);
      const outcome = await submitBundle(
        client,
        { slug, bundlePath: zip, uploadState: false, timeoutMs: opts.timeoutMs },
        opts.io ?? processIo(),
      );
      outcomes.push({ team, outcome });
    }

    step(`the host ends the competition (POST /api/competitions/${slug}/close)`);
    const ended = await host.close(slug);
    say(`${slug} is ${ended.phase} since ${ended.endsAt}; the private leaderboard is open to everyone`);

    step('leaderboards (sketchboard leaderboard, then --private)');
    const publicBoard = await anonymous.leaderboard(slug, 'public');
    const privateBoard = await anonymous.leaderboard(slug, 'private');
    say(leaderboardLines(publicBoard).join('\n'));
    say('');
    say(leaderboardLines(privateBoard, publicBoard).join('\n'));
    return { slug, url: service.url, outcomes, publicBoard, privateBoard };
  } finally {
    await service.stop();
    say(`\nserver stopped [${clock()}]`);
  }
}
