// The installed `sketchboard` command: runs through a symlink (npm link / npm install -g), exit codes, pipes.
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../../functions/cli/bin.mjs', import.meta.url));
let dir: string;
let linked: string;

function run(file: string, args: string[]) {
  return spawnSync(process.execPath, [file, ...args], { encoding: 'utf8', timeout: 60_000 });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sb-bin-'));
  linked = join(dir, 'sketchboard');
  await symlink(BIN, linked);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the sketchboard command', () => {
  it('runs from a symlink named sketchboard, as npm link installs it', () => {
    const out = run(linked, ['help']);
    expect(out.status).toBe(0);
    expect(out.stdout).toMatch(/^Usage: sketchboard <command>/);
    expect(out.stdout).toMatch(/\n {2}serve {2,}/);
  });

  it('reports an unknown verb once, with exit code 2', () => {
    const out = run(BIN, ['nope']);
    expect(out.status).toBe(2);
    expect(out.stderr.match(/unknown command "nope"/g)).toHaveLength(1);
  });

  it('prints a verb usage on a usage error, exit 2, no stack trace', () => {
    const out = run(linked, ['evaluate']);
    expect(out.status).toBe(2);
    expect(out.stderr).toMatch(/missing output\.csv/);
    expect(out.stderr).not.toMatch(/\n\s+at /);
  });
});
