import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sinon from 'sinon';
import { planArbiterSetup, type ArbiterSetupOptions } from '../../../src/setup/arbiter-setup';
import { SetupRefusedError } from '../../../src/setup/quorum-device-conf';
import type { RemoteRunner } from '../../../src/setup/remote';
import type { RunResult } from '../../../src/util/run';
import { twoNodeConf as conf } from './two-node-conf';

const options = (tls: 'off' | 'on' | 'required'): ArbiterSetupOptions => ({
  arbiter: '10.0.0.9',
  device: { port: 5403, algorithm: 'ffsplit', tieBreaker: 'lowest', tls },
  replace: false,
  confPath: () => '/etc/corosync/corosync.conf',
  arbiterStart: ['systemctl', 'enable', '--now', 'quorate-arbiter.service'],
  arbiterCertDir: '/etc/quorate/arbiter',
  deviceStart: ['corosync-qdevice'],
  voteTimeoutMs: 1000,
});

const ok = (stdout: string): RunResult => ({ code: 0, stdout, stderr: '' });

/** The seam: what each host answers; the certs verbs print the file the next step needs. */
function fakeRunner(overrides: (host: string, argv: string[]) => RunResult | undefined = () => undefined) {
  const run = sinon.stub<Parameters<RemoteRunner['run']>, ReturnType<RemoteRunner['run']>>().callsFake(async (host, argv) => {
    const special = overrides(host, argv);
    if (special !== undefined) return special;
    const line = argv.join(' ');
    if (line.startsWith('cat ')) return ok(conf);
    if (line === 'corosync-quorumtool -s') return ok('Quorate:          Yes\nNodes:            2\n');
    if (line.startsWith('quorate arbiter certs init')) return ok('CA-PEM\n');
    if (line.startsWith('quorate qdevice certs request')) return ok('REQUEST-PEM\n');
    if (line.startsWith('quorate arbiter certs sign')) return ok('CERT-PEM\n');
    if (line.startsWith('quorate qdevice certs import ')) return ok('BUNDLE-BASE64\n');
    return ok('');
  });
  return { runner: { run } satisfies RemoteRunner, run };
}

/** Every call as "host: command [< stdin]". */
const calls = (run: sinon.SinonStub) => run.getCalls().map((c) => {
  const [host, argv, input] = c.args as [string, string[], string | undefined];
  return `${host}: ${argv.join(' ')}${input === undefined ? '' : ` < ${input.trim()}`}`;
});

describe('setup arbiter: the step plan', () => {
  it('with tls off plans no certificate step', async () => {
    const { runner } = fakeRunner();
    const titles = (await planArbiterSetup(runner, 'localhost', options('off'))).map((s) => s.title);
    assert.equal(titles.length, 6);
    assert.ok(!titles.some((t) => /certificate/.test(t)));
  });

  it('with tls the certificate steps come before the arbiter starts, and planning (--dry-run) changes nothing', async () => {
    const { runner, run } = fakeRunner();
    const titles = (await planArbiterSetup(runner, 'localhost', options('required'))).map((s) => s.title);
    assert.deepEqual(titles.slice(1, 6).map((t) => t.split(' ').slice(0, 3).join(' ')), [
      "make the arbiter's", 'create the NSS', 'sign the certificate', 'import the signed', 'start the arbiter',
    ]);
    assert.match(titles[1]!, /in \/etc\/quorate\/arbiter on 10\.0\.0\.9, keeping a CA that exists/);
    assert.match(titles[2]!, /on 10\.0\.0\.1, 10\.0\.0\.2, and the certificate request for cluster c1 on 10\.0\.0\.1/);
    assert.match(titles[4]!, /on 10\.0\.0\.1, and its bundle on 10\.0\.0\.2/);
    assert.match(titles[5]!, /\(it must serve tls required from \/etc\/quorate\/arbiter\)$/);
    assert.match(titles[6]!, /tls required/);
    assert.deepEqual(calls(run), ['localhost: cat /etc/corosync/corosync.conf', 'localhost: corosync-quorumtool -s']);
  });

  it('moves each file from the host that made it to the next through stdin, never a shared path', async () => {
    const { runner, run } = fakeRunner();
    const steps = await planArbiterSetup(runner, 'localhost', options('on'));
    run.resetHistory();
    for (const step of steps.slice(1, 5)) await step.run();
    assert.deepEqual(calls(run), [
      '10.0.0.9: quorate arbiter certs init -d /etc/quorate/arbiter --keep --print-ca',
      '10.0.0.1: quorate qdevice certs init --ca - --replace < CA-PEM',
      '10.0.0.2: quorate qdevice certs init --ca - --replace < CA-PEM',
      '10.0.0.1: quorate qdevice certs request -n c1 --print',
      '10.0.0.9: quorate arbiter certs sign --csr - -n c1 -d /etc/quorate/arbiter --print < REQUEST-PEM',
      '10.0.0.1: quorate qdevice certs import --cert - --print < CERT-PEM',
      '10.0.0.2: quorate qdevice certs import-bundle --p12 - < BUNDLE-BASE64',
    ]);
  });

  it('a failing step names the host and what failed, with the command\'s own error', async () => {
    const { runner } = fakeRunner((_host, argv) => (argv.includes('sign') ? { code: 1, stdout: '', stderr: 'quorate: request is for "CN=x", not CN=c1\n' } : undefined));
    const steps = await planArbiterSetup(runner, 'localhost', options('required'));
    for (const step of steps.slice(1, 3)) await step.run();
    await assert.rejects(steps[3]!.run(), /^Error: could not sign the certificate request on 10\.0\.0\.9: quorate: request is for "CN=x", not CN=c1$/);
  });

  it('a step run before the one that makes its input fails plainly', async () => {
    const { runner } = fakeRunner();
    const steps = await planArbiterSetup(runner, 'localhost', options('required'));
    await assert.rejects(steps[3]!.run(), /out of order: no certificate request yet/);
  });

  it('refuses tls without totem.cluster_name (the certificate is issued for it)', async () => {
    const { runner } = fakeRunner((_host, argv) => (argv[0] === 'cat' ? ok(conf.replace('  cluster_name: c1\n', '')) : undefined));
    await assert.rejects(planArbiterSetup(runner, 'localhost', options('on')), (e: Error) => e instanceof SetupRefusedError && /cluster_name/.test(e.message));
    await planArbiterSetup(runner, 'localhost', options('off'));
  });

  it("with tls and the unit's environment file: sets QUORATE_ARBITER_OPTIONS there before the arbiter starts, keeping the file's other lines", async () => {
    const { runner, run } = fakeRunner();
    const steps = await planArbiterSetup(runner, 'localhost', { ...options('required'), arbiterDefaults: '/tmp/defaults' });
    const index = steps.findIndex((s) => s.title.startsWith('make quorate-arbiter.service serve tls required'));
    assert.ok(index > 0 && steps[index + 1]!.title.startsWith('start the arbiter'), steps.map((s) => s.title).join('\n'));
    for (const step of steps.slice(0, index + 1)) await step.run();
    const call = run.getCalls().at(-1)!;
    assert.equal(call.args[0], '10.0.0.9');
    assert.equal(call.args[2], 'QUORATE_ARBITER_OPTIONS="--tls required --cert-dir /etc/quorate/arbiter"\n');
    // The script itself, on a local file: the options line replaced, the rest kept.
    const dir = mkdtempSync(join(tmpdir(), 'quorate-setup-'));
    try {
      const file = join(dir, 'quorate-arbiter');
      writeFileSync(file, '# mine\nQUORATE_ARBITER_OPTIONS="--tls off"\nOTHER=1\n');
      const [, argv, input] = call.args as [string, string[], string];
      const result = spawnSync(argv[0]!, [...argv.slice(1, -1), file], { input, encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } });
      assert.equal(result.status, 0, result.stderr);
      assert.equal(readFileSync(file, 'utf8'), '# mine\nOTHER=1\nQUORATE_ARBITER_OPTIONS="--tls required --cert-dir /etc/quorate/arbiter"\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
