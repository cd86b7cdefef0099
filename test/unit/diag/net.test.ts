import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { main } from '../../../src/cli/main';
import { decodeProbe, encodeProbe } from '../../../src/diag/net-messages';
import { probeStats } from '../../../src/diag/net-stats';
import { pairVerdict } from '../../../src/diag/net-verdict';

/** Runs the CLI and returns its exit code and what it wrote to stderr. */
async function runCli(argv: string[]): Promise<{ code: number; stderr: string }> {
  const chunks: string[] = [];
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string) => { chunks.push(String(chunk)); return true; }) as typeof process.stderr.write;
  try {
    return { code: await main(argv), stderr: chunks.join('') };
  } finally {
    process.stderr.write = write;
  }
}

describe('diag net: messages, statistics and verdicts', () => {
  it('pads MTU probes to the requested size and decodes only probe messages', () => {
    const big = encodeProbe({ type: 'ping', kind: 'mtu', from: 'node1', seq: 3 }, 1472);
    assert.equal(big.length, 1472);
    assert.deepEqual(decodeProbe(big), { type: 'ping', kind: 'mtu', from: 'node1', seq: 3 });
    assert.equal(decodeProbe(Buffer.from('not json')), undefined);
    assert.equal(decodeProbe(Buffer.from('{"type":"ping","kind":"other","from":"a","seq":1}')), undefined);
    assert.equal(decodeProbe(Buffer.alloc(9001, 32)), undefined);
  });

  it('computes loss, round trips and jitter', () => {
    assert.deepEqual(probeStats(4, [1, 3, 2]), { sent: 4, received: 3, lossPercent: 25, rttMinMs: 1, rttAvgMs: 2, rttMaxMs: 3, jitterMs: 1.5 });
    assert.deepEqual(probeStats(2, []), { sent: 2, received: 0, lossPercent: 100, rttMinMs: null, rttAvgMs: null, rttMaxMs: null, jitterMs: null });
  });

  const good = probeStats(10, Array<number>(10).fill(1));
  const none = probeStats(10, []);
  const pair = { from: 'node1', to: 'node2', address: '10.0.0.2', reachable: true, unicast: good, multicast: good, mtu: good, mtuBytes: 1500 };

  it('names the worst problem of a pair first', () => {
    assert.deepEqual(pairVerdict(pair), { ok: true, verdict: 'ok between node1 and node2' });
    assert.match(pairVerdict({ ...pair, unicast: none, multicast: none }).verdict, /^no unicast between node1 and node2 \(10.0.0.2\)/);
    assert.match(pairVerdict({ ...pair, unicast: probeStats(10, [1, 1]) }).verdict, /^80% unicast loss/);
    assert.match(pairVerdict({ ...pair, mtu: none }).verdict, /^1500-byte packets do not pass between node1 and node2/);
    assert.equal(pairVerdict({ ...pair, multicast: none }).verdict, 'multicast blocked between node1 and node2: use knet unicast or enable IGMP snooping querier');
    assert.equal(pairVerdict({ ...pair, multicast: null }).ok, true, 'no multicast on this host is not a path problem');
  });

  it('a taken UDP port is exit 3 naming the port, not a crash', async () => {
    const blocker = createSocket('udp4');
    await new Promise<void>((resolve) => blocker.bind(0, '127.0.0.1', resolve));
    try {
      const port = String(blocker.address().port);
      const result = await runCli(['diag', 'net', '--self', 'a=127.0.0.1', '--peer', 'b=127.0.0.2', '--port', port, '--wait', '0', '--count', '1']);
      assert.equal(result.code, 3);
      assert.match(result.stderr, new RegExp(`cannot bind UDP port ${port}: bind EADDRINUSE`));
    } finally {
      blocker.close();
    }
  });

  it('rejects bad arguments with a usage error naming the flag', async () => {
    const cases: [string[], number, string][] = [
      [['--self', 'node1', '--peer', 'node2=10.0.0.2'], 2, '--self "node1"'],
      [['--self', 'node1=10.0.0.1'], 2, 'name at least one --peer NAME=ADDRESS'],
      [['--self', 'node1=10.0.0.1', '--peer', 'node2=10.0.0.2', '--count', '5000'], 2, '--count "5000"'],
      [['--self', 'node1=10.0.0.1', '--peer', 'node2=10.0.0.2', '--group', '10.1.1.1'], 2, '--group 10.1.1.1'],
      [['--file', '/nonexistent/corosync.conf'], 3, 'cannot read corosync configuration /nonexistent/corosync.conf'],
    ];
    for (const [args, code, message] of cases) {
      const result = await runCli(['diag', 'net', ...args]);
      assert.equal(result.code, code, args.join(' '));
      assert.equal(result.stderr.split(':')[1]?.trim().replace(/ \(see quorate diag net --help\)$/, ''), message);
    }
    const config = await runCli(['diag', 'config', '--file', '/nonexistent/corosync.conf']);
    assert.deepEqual([config.code, config.stderr.split(':')[1]?.trim()], [3, 'cannot read corosync configuration /nonexistent/corosync.conf']);
  });
});
