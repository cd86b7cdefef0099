import assert from 'node:assert/strict';
import type { Command } from 'commander';
import sinon from 'sinon';
import { buildProgram, main } from '../../src/cli/main';
import { runCli } from '../support/run-cli';

describe('quorate CLI', () => {
  it('prints its version and exits 0', async () => {
    const r = await runCli(['--version']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^\d+\.\d+\.\d+\n$/);
  });

  it('rejects an unknown verb with the usage exit code', async () => {
    const r = await runCli(['no-such-verb']);
    assert.equal(r.code, 2);
    assert.equal(r.stderr, "quorate: unknown command 'no-such-verb' (see quorate --help)\n");
  });
});

describe('quorate CLI errors', () => {
  it('a usage error is one line with a pointer to --help, not above the usage', async () => {
    const r = await runCli(['lab', 'up', '--bogus']);
    assert.equal(r.code, 2);
    assert.equal(r.stderr, "quorate: unknown option '--bogus' (see quorate lab up --help)\n");
    assert.equal(r.stdout, '');
    const missing = await runCli(['resource', 'add']);
    assert.equal(missing.stderr, "quorate: missing required argument 'sid' (see quorate resource add --help)\n");
    const fromAction = await runCli(['sim']);
    assert.equal(fromAction.code, 2);
    assert.equal(fromAction.stderr, 'quorate: give a scenario directory or --random N (see quorate sim --help)\n');
  });

  it('an unknown verb names it, pointing to the help of the group', async () => {
    const r = await runCli(['lab', 'upp']);
    assert.equal(r.code, 2);
    assert.equal(r.stderr, "quorate: unknown command 'upp' (Did you mean up?) (see quorate lab --help)\n");
  });

  it('with --json an error is a JSON object on stdout with the exit code, for usage and for runtime errors', async () => {
    const usage = await runCli(['status', '--json', '--bogus']);
    assert.equal(usage.code, 2);
    assert.deepEqual(JSON.parse(usage.stdout), { error: { message: "unknown option '--bogus'", code: 'usage' }, exitCode: 2 });
    const unavailable = await runCli(['resource', 'list', '--json', '--socket', '/nonexistent/quorate.sock']);
    assert.equal(unavailable.code, 3);
    const parsed = JSON.parse(unavailable.stdout) as { error: { message: string; code: string }; exitCode: number };
    assert.equal(parsed.error.code, 'unavailable');
    assert.equal(parsed.exitCode, 3);
    assert.match(parsed.error.message, /no quorate daemon listening on \/nonexistent\/quorate\.sock/);
    assert.match(unavailable.stderr, /^quorate: no quorate daemon listening/, 'people still read it on stderr');
  });

  it('--json after -- belongs to the command run in the lab, not to the CLI', async () => {
    const r = await runCli(['lab', 'exec', '--name', 'no-such-lab-x', 'node1', '--', 'quorate', 'status', '--json']);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /lab no-such-lab-x is not up/);
  });

  it('lab exec HOST CMD -s: options after the command belong to the command, with or without --', async () => {
    for (const args of [['node1', 'corosync-quorumtool', '-s'], ['node1', '--', 'corosync-quorumtool', '-s']]) {
      const r = await runCli(['lab', 'exec', '--name', 'no-such-lab-x', ...args]);
      assert.equal(r.code, 3, r.stderr);
      assert.match(r.stderr, /lab no-such-lab-x is not up/, 'got to the lab, not stopped at -s');
    }
  });
});

describe('quorate CLI: every verb with --json reports its errors as JSON', () => {
  let stdout: sinon.SinonStub;
  beforeEach(() => {
    stdout = sinon.stub(process.stdout, 'write').returns(true);
    sinon.stub(process.stderr, 'write').returns(true);
  });
  afterEach(() => sinon.restore());

  const verbsWithJson = (command: Command, path: string[] = []): string[][] => command.commands.flatMap((c) => [
    ...(c.options.some((o) => o.long === '--json') ? [[...path, c.name()]] : []),
    ...verbsWithJson(c, [...path, c.name()]),
  ]);
  const verbs = verbsWithJson(buildProgram());

  it('finds the verbs', () => assert.ok(verbs.length >= 20, verbs.map((v) => v.join(' ')).join(', ')));
  for (const verb of verbs) {
    it(`quorate ${verb.join(' ')} --json --no-such-option`, async () => {
      assert.equal(await main([...verb, '--json', '--no-such-option']), 2);
      const printed = stdout.getCalls().map((c) => String(c.args[0])).join('');
      const { error, exitCode } = JSON.parse(printed) as { error: { message: string; code: string }; exitCode: number };
      assert.deepEqual({ code: error.code, exitCode }, { code: 'usage', exitCode: 2 });
      assert.match(error.message, /unknown option '--no-such-option'|required option .* not specified/);
    });
  }
});

describe('quorate sim --check', () => {
  const scenario = 'test/scenarios/basic/add-service';
  it('says that the log matched log.expect, after the log', async () => {
    const r = await runCli(['sim', scenario, '--check']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /\nadd-service: the log matches log\.expect \(\d+ lines\)\n$/);
  });
  it('with --json: one JSON document that says so', async () => {
    const r = await runCli(['sim', scenario, '--check', '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as { matchesExpected?: boolean }).matchesExpected, true);
  });
});
