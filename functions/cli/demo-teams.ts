// The demo's three teams: who they are and how each trains and packs (the same `train` and `pack` verbs a participant runs).
import { join } from 'node:path';
import { command as packCommand } from '../../core/cli/pack.js';
import { command as trainCommand } from '../../core/cli/train.js';
import { SketchboardError } from '../../core/errors.js';

/** One demo team and its recipe. */
export type DemoTeam = {
  key: 'A' | 'B' | 'C';
  name: string;
  members: string[];
  /** One line saying what the team does differently. */
  recipe: string;
  /** `sketchboard train` flags of the recipe (data, output and sizes are added by {@link trainArgs}). */
  flags: string[];
  /** Train folds in parallel processes (several folds only). */
  parallel: boolean;
};

/**
 * The three recipes, all on the same 5-fold split and seed, so they differ only by what they do: A trains
 * one fold (the same model as B's fold 0), B soft-votes all five, C adds flip augmentation to every fold.
 */
export const DEMO_TEAMS: readonly DemoTeam[] = [
  {
    key: 'A',
    name: 'Single Fold',
    members: ['Ada'],
    recipe: 'one fold of the 5-fold split, no augmentation',
    flags: ['--folds', '5', '--fold', '0', '--curriculum', 'none'],
    parallel: false,
  },
  {
    key: 'B',
    name: 'Soft Five',
    members: ['Ben', 'Bea'],
    recipe: 'all 5 folds, soft vote, no augmentation',
    flags: ['--folds', '5', '--curriculum', 'none'],
    parallel: true,
  },
  {
    key: 'C',
    name: 'Flip Curriculum',
    members: ['Cy', 'Cleo', 'Cam'],
    recipe: 'all 5 folds, soft vote, flips curriculum (h+v flips from epoch 0)',
    flags: ['--folds', '5', '--curriculum', 'flips'],
    parallel: true,
  },
];

/** Sizes shared by every team's training. */
export type DemoTraining = { epochs: number; size: number; parallel: number; seed: number };

/** Folder names of a team under the demo's work folder. */
export function teamPaths(workDir: string, team: DemoTeam): { runDir: string; bundle: string } {
  const slug = team.name.toLowerCase().replace(/[^a-z0-9]+/g, '-');
  return { runDir: join(workDir, 'runs', slug), bundle: join(workDir, 'bundles', `${slug}.zip`) };
}

/**
 * The `sketchboard train` argv of a team.
 *
 * @example
 * trainArgs(DEMO_TEAMS[1], 'data', 'runs/soft-five', { epochs: 8, size: 32, parallel: 2, seed: 1 });
 * // ['--data', 'data', '--out', 'runs/soft-five', '--epochs', '8', '--size', '32', '--seed', '1',
 * //  '--folds', '5', '--curriculum', 'none', '--parallel', '2']
 */
export function trainArgs(team: DemoTeam, dataDir: string, runDir: string, t: DemoTraining): string[] {
  const args = ['--data', dataDir, '--out', runDir, '--epochs', String(t.epochs), '--size', String(t.size)];
  args.push('--seed', String(t.seed), ...team.flags);
  if (team.parallel && t.parallel > 1) args.push('--parallel', String(t.parallel));
  return args;
}

/** Trains a team's run with the `train` verb (its own progress lines); throws when a fold fails. */
export async function trainTeam(
  team: DemoTeam,
  dataDir: string,
  workDir: string,
  t: DemoTraining,
): Promise<string> {
  const { runDir } = teamPaths(workDir, team);
  const code = await trainCommand.run(trainArgs(team, dataDir, runDir, t));
  if (code !== 0)
    throw new SketchboardError(
      'internal',
      `training of team ${team.name} failed (exit code ${code}); see the lines above`,
    );
  return runDir;
}

/** Packs a team's run as a soft-vote bundle with the `pack` verb (`pack RUN_DIR --vote soft`). */
export async function packTeam(team: DemoTeam, workDir: string): Promise<string> {
  const { runDir, bundle } = teamPaths(workDir, team);
  const code = await packCommand.run([runDir, '--vote', 'soft', '--out', bundle]);
  if (code !== 0)
    throw new SketchboardError('internal', `packing the run of team ${team.name} failed (exit code ${code})`);
  return bundle;
}
