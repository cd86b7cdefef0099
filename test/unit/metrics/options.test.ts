import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, parseConfig } from '../../../src/daemon/config';

const cli = join(__dirname, '../../../src/cli/main.js');

describe('metrics: where each component serves them, and off', () => {
  it('the daemon serves on loopback unless its config says otherwise, and names a bad address', () => {
    assert.deepEqual(parseConfig({ node: 'node1' }).metrics, { enabled: true, listen: '127.0.0.1:9740' });
    assert.deepEqual(parseConfig({ node: 'node1', metrics: { enabled: false } }).metrics, { enabled: false, listen: '127.0.0.1:9740' });
    assert.throws(() => parseConfig({ node: 'node1', metrics: { listen: 'everywhere' } }), (err: Error) =>
      err instanceof ConfigError && err.message.includes('metrics.listen') && err.message.includes('"everywhere" is not HOST:PORT'));
  });

  it('the arbiter and the multiplexer refuse a bad --metrics as a usage error', () => {
    for (const argv of [['arbiter', 'run', '--metrics', 'nowhere'], ['watchdog-mux', '--metrics', '1.2.3.4:0']]) {
      const result = spawnSync(process.execPath, [cli, ...argv], { encoding: 'utf8', timeout: 20_000 });
      assert.equal(result.status, 2, result.stderr);
      assert.match(result.stderr, /--metrics ".*" is not HOST:PORT/);
    }
  });

  it('the arbiter serves /metrics on --metrics and none with --no-metrics', async () => {
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    const run = async (metrics: string[]): Promise<number | string> => {
      const statusSocket = `/tmp/quorate-metrics-test-${port}.sock`;
      const child = spawn(process.execPath, [cli, 'arbiter', 'run', '-l', '127.0.0.1', '--port', String(port + 1), '--status-socket', statusSocket, ...metrics],
        { stdio: ['ignore', 'ignore', 'pipe'] });
      try {
        let stderr = '';
        child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
        // The status socket comes last in the arbiter's start.
        while (!existsSync(statusSocket)) {
          if (child.exitCode !== null) throw new Error(`arbiter exited: ${stderr}`);
          await new Promise((r) => setTimeout(r, 20));
        }
        return await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.status, (err: Error) => String((err.cause as Error | undefined)?.message ?? err.message));
      } finally {
        child.kill('SIGTERM');
        await new Promise((r) => child.once('exit', r));
      }
    };
    assert.equal(await run(['--metrics', `127.0.0.1:${port}`]), 200);
    assert.match(String(await run(['--metrics', `127.0.0.1:${port}`, '--no-metrics'])), /ECONNREFUSED/);
  });
});
