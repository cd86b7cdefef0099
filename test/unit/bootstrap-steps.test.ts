import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ScratchBootstrap, scratchBootstrap } from '../support/scratch-bootstrap';

/**
 * scripts/bootstrap-steps.sh on its own (bootstrap.sh itself would rewrite the shared
 * node_modules): fake steps stand in for apt, npm ci, node-gyp and tsc.
 */
const scripts = join(__dirname, '..', '..', '..', 'scripts');
const steps = join(scripts, 'bootstrap-steps.sh');

function bash(script: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('bash', ['--norc', '-euo', 'pipefail', '-c', `source ${steps}\n${script}`], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const debconfNoise = 'debconf: delaying package configuration, since apt-utils is not installed';

describe('bootstrap steps (scripts/bootstrap-steps.sh)', () => {
  it('shows each step as it starts and its duration when it ends, and none of its output', () => {
    const r = bash(`
      step "apt-get install corosync" sh -c 'echo "Setting up corosync"; echo "${debconfNoise}" >&2; sleep 0.2'
      step "npm ci" sh -c 'echo "added 312 packages"'
      last_step "TypeScript build (tsc)" true`);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, '');
    const lines = r.stdout.trimEnd().split('\n');
    assert.deepEqual(lines.map((l) => l.replace(/\d+\.\d s/, 'N s')), [
      'bootstrap: apt-get install corosync …',
      'bootstrap: apt-get install corosync done in N s',
      'bootstrap: npm ci …',
      'bootstrap: npm ci done in N s',
      'bootstrap: TypeScript build (tsc) …',
      'bootstrap: TypeScript build (tsc) done in N s',
    ]);
    assert.match(lines[1] ?? '', /done in 0\.[2-9] s$/, 'the duration of the step that slept 0.2 s');
  });

  it('is one short line when only the last step ran (everything in place)', () => {
    const r = bash('last_step "TypeScript build (tsc)" sh -c "echo tsc output"');
    assert.equal(r.status, 0);
    assert.match(r.stdout, /^bootstrap: everything in place \(TypeScript build \(tsc\) \d+\.\d s\)\n$/);
  });

  it('a failing step prints its output, names itself with its exit status and stops the script', () => {
    const r = bash(`step "native addon (node-gyp)" sh -c 'echo "gyp ERR! build error" >&2; exit 3'\necho not reached`);
    assert.equal(r.status, 3);
    assert.doesNotMatch(r.stdout, /not reached/);
    assert.match(r.stderr, /gyp ERR! build error\nbootstrap: native addon \(node-gyp\) failed after \d+\.\d s \(exit 3\)\n$/);
  });
});

/** bootstrap.sh itself, copied into a scratch checkout whose apt, dpkg, npm and npx are fakes on PATH. */
describe('bootstrap.sh with its installers faked (a scratch checkout, not this one)', () => {
  let scratch: ScratchBootstrap;
  let dir: string;
  beforeEach(() => {
    scratch = scratchBootstrap();
    dir = scratch.tree;
    mkdirSync(join(dir, 'node_modules'));
    const fake = scratch.fake;
    // Every package installed but corosync-qnetd; apt says what apt says on a minimal system.
    fake('dpkg-query', '[ "$3" = corosync-qnetd ] && exit 1; echo "install ok installed"');
    fake('apt-get', `echo "Reading package lists..."; echo "${debconfNoise}" >&2`);
    fake('npm', 'echo "added 312 packages"');
    fake('npx', 'echo "npx $*"');
    fake('id', 'echo 0');
    writeFileSync(join(dir, 'package-lock.json'), '{}');
    writeFileSync(join(dir, 'node_modules', '.package-lock.json'), '{}');
  });
  afterEach(() => scratch.remove());

  const bootstrap = () => spawnSync('bash', ['--norc', scratch.script], {
    encoding: 'utf8', env: { ...process.env, PATH: `${scratch.bin}:${process.env.PATH ?? ''}` },
  });

  it('shows apt, npm ci and tsc as steps with durations, and no debconf notice', () => {
    utimesSync(join(dir, 'node_modules', '.package-lock.json'), new Date(0), new Date(0));
    const r = bootstrap();
    assert.equal(r.status, 0, r.stderr);
    assert.doesNotMatch(r.stdout + r.stderr, /debconf|Reading package lists|added 312/);
    assert.deepEqual(r.stdout.trimEnd().split('\n').map((l) => l.replace(/\d+\.\d s/, 'N s')), [
      'bootstrap: apt-get update …', 'bootstrap: apt-get update done in N s',
      'bootstrap: apt-get install corosync-qnetd …', 'bootstrap: apt-get install corosync-qnetd done in N s',
      'bootstrap: npm ci …', 'bootstrap: npm ci done in N s',
      'bootstrap: TypeScript build (tsc) …', 'bootstrap: TypeScript build (tsc) done in N s',
    ]);
  });

  it('prints one line when everything is in place', () => {
    scratch.fake('dpkg-query', 'echo "install ok installed"');
    const r = bootstrap();
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^bootstrap: everything in place \(TypeScript build \(tsc\) \d+\.\d s\)\n$/);
    assert.equal(r.stderr, '');
  });
});
