import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { run } from '../../../src/util/run';

const cli = path.join(__dirname, '../../../src/cli/main.js');

/** This build's CLI; stdout must be empty of anything but the printed file. */
async function quorate(args: string[], input?: string): Promise<string> {
  const result = await run([process.execPath, cli, ...args], input === undefined ? {} : { input });
  assert.equal(result.code, 0, `quorate ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

/**
 * The certs verbs with files through stdin/stdout only, as `quorate setup arbiter` drives them on
 * separate hosts: every directory below is a different "host", and no path crosses between them.
 */
describe('certs verbs through stdin and stdout', function () {
  this.timeout(60_000); // RSA keys and a dozen Node start-ups on a loaded machine
  let tmp: string;

  before(function () {
    for (const tool of ['openssl', 'certutil', 'pk12util']) {
      if (spawnSync(tool, ['--help'], { stdio: 'ignore' }).error !== undefined) {
        console.log(`      skipped: ${tool} is not installed (Debian: openssl, libnss3-tools)`);
        this.skip();
      }
    }
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'quorate-certs-stdio-'));
  });

  after(() => {
    if (tmp !== undefined) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('hands CA, request, certificate and bundle from host to host, and keeps the arbiter\'s CA on a second init', async () => {
    const arbiter = path.join(tmp, 'arbiter');
    const [node1, node2] = [path.join(tmp, 'node1'), path.join(tmp, 'node2')];
    const ca = await quorate(['arbiter', 'certs', 'init', '-d', arbiter, '--keep', '--print-ca']);
    assert.match(ca, /^-----BEGIN CERTIFICATE-----\n[\s\S]+-----END CERTIFICATE-----\n$/);
    assert.equal(await quorate(['arbiter', 'certs', 'init', '-d', arbiter, '--keep', '--print-ca']), ca);
    for (const node of [node1, node2]) await quorate(['qdevice', 'certs', 'init', '--ca', '-', '-d', node], ca);
    await quorate(['qdevice', 'certs', 'init', '--ca', '-', '--replace', '-d', node1], ca);
    const request = await quorate(['qdevice', 'certs', 'request', '-n', 'c1', '--print', '-d', node1]);
    assert.match(request, /BEGIN NEW CERTIFICATE REQUEST/);
    const certificate = await quorate(['arbiter', 'certs', 'sign', '--csr', '-', '-n', 'c1', '--print', '-d', arbiter], request);
    assert.match(certificate, /BEGIN CERTIFICATE/);
    const bundle = await quorate(['qdevice', 'certs', 'import', '--cert', '-', '--print', '-d', node1], certificate);
    assert.match(bundle.trim(), /^[A-Za-z0-9+/]+=*$/);
    await quorate(['qdevice', 'certs', 'import-bundle', '--p12', '-', '-d', node2], bundle);
    const listed = spawnSync('certutil', ['-L', '-d', `sql:${node2}`], { encoding: 'utf8' }).stdout;
    assert.match(listed, /QNet CA\s+CT,c,c/);
    assert.match(listed, /Cluster Cert\s+u,u,u/);
    assert.deepEqual(fs.readFileSync(path.join(node2, 'qdevice-net-node.p12')), fs.readFileSync(path.join(node1, 'qdevice-net-node.p12')));
  });

  it('refuses a bundle without --ca where no database exists, naming the directory', async () => {
    const result = await run([process.execPath, cli, 'qdevice', 'certs', 'import-bundle', '--p12', '-', '-d', path.join(tmp, 'empty')], { input: 'AAAA' });
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /empty holds no NSS database: give the arbiter's CA certificate/);
  });
});
