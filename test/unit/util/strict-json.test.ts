import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../../src/daemon/config';
import { readServicesFile } from '../../../src/diag/services-file';
import { loadScenario } from '../../../src/ha/sim/scenario';
import { loadArbiterConfig } from '../../../src/qdevice/arbiter/config';
import { parseStrictJson } from '../../../src/util/strict-json';
import { readJsonLines } from '../../../src/util/json-lines';
import { runCli } from '../../support/run-cli';

/**
 * Every parser of config and operator input, each given the same hostile documents: a prototype
 * key is an unknown key, an overflowing number is named as one, a UTF-8 BOM is accepted.
 */
const hostile: Array<[string, (valid: Record<string, unknown>) => string, RegExp]> = [
  ['a __proto__ key', (v) => JSON.stringify(v).replace(/^\{/, '{"__proto__":{"polluted":1},'), /__proto__: unknown key/],
  ['a constructor key', (v) => JSON.stringify(v).replace(/^\{/, '{"constructor":{"prototype":{"polluted":1}},'), /constructor: unknown key/],
  ['a prototype key', (v) => JSON.stringify(v).replace(/^\{/, '{"prototype":1,'), /prototype: unknown key/],
  ['a number that overflows', (v) => JSON.stringify(v).replace(/^\{/, '{"big":1e400,'), /big: number out of range/],
];

describe('operator JSON: prototype keys, overflowing numbers and the BOM in every parser', () => {
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'quorate-strict-json-')); });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
    assert.equal(({} as Record<string, unknown>).polluted, undefined, 'Object.prototype untouched');
  });

  const fileParsers: Array<[string, Record<string, unknown>, (file: string) => unknown]> = [
    ['daemon config (quorate.json)', { node: 'node1' }, (file) => loadConfig(file)],
    ['arbiter config (arbiter.json)', { port: 5403 }, (file) => loadArbiterConfig(file, {})],
    ['HA services file (diag quorum --ha-config)', { resources: { 'vm:1': { node: 'node1' } } }, (file) => readServicesFile(file)],
    ['simulator scenario (config.json)', { nodes: ['node1', 'node2'], resources: {} }, (file) => loadScenario(join(file, '..'))],
  ];
  for (const [name, valid, parse] of fileParsers) {
    describe(name, () => {
      const file = () => join(dir, name.startsWith('simulator') ? 'config.json' : 'input.json');
      for (const [what, make, pattern] of hostile) {
        it(`refuses ${what}, naming it`, () => {
          writeFileSync(file(), make(valid));
          assert.throws(() => parse(file()), (err: Error) => pattern.test(err.message) && err.message.includes(dir));
        });
      }
      it('accepts a UTF-8 byte order mark', () => {
        writeFileSync(file(), `\uFEFF${JSON.stringify(valid)}`);
        assert.doesNotThrow(() => parse(file()));
      });
    });
  }

  describe('nested and in arrays', () => {
    it('names the path of the key or number', () => {
      assert.throws(() => parseStrictJson('{"timings":{"__proto__":{"roundMs":1}}}'), /timings\.__proto__: unknown key/);
      assert.throws(() => parseStrictJson('{"a":[1,{"b":-1e999}]}'), /a\[1\]\.b: number out of range/);
      assert.throws(() => parseStrictJson('1e400'), /the value: number out of range/);
      assert.deepEqual(parseStrictJson('\uFEFF{"constructorName":1}'), { constructorName: 1 });
    });
  });

  describe('socket requests (multiplexer, operator socket, lab timer: one framing)', () => {
    let server: Server;
    let client: Socket;
    const problems: string[] = [];
    const messages: unknown[] = [];
    beforeEach(async () => {
      problems.length = 0;
      messages.length = 0;
      server = createServer((s) => readJsonLines(s, (m) => messages.push(m), (p) => problems.push(p)));
      await new Promise<void>((resolve) => server.listen(join(dir, 's.sock'), resolve));
      client = connect(join(dir, 's.sock'));
      await new Promise((resolve) => client.once('connect', resolve));
    });
    afterEach(async () => {
      client.destroy();
      await new Promise((resolve) => server.close(resolve));
    });

    it('reports a prototype key or an overflowing number as the problem of that line, and goes on', async () => {
      client.write('{"op":"open","__proto__":{"client":"lrm"}}\n{"op":"open","deadlineMs":1e400}\n{"op":"status"}\n');
      while (messages.length < 1) await new Promise((resolve) => setTimeout(resolve, 10));
      assert.deepEqual(messages, [{ op: 'status' }]);
      assert.equal(problems.length, 2);
      assert.match(problems[0] ?? '', /__proto__: unknown key/);
      assert.match(problems[1] ?? '', /deadlineMs: number out of range/);
    });
  });

  describe('CLI driver parameters (--param KEY=VALUE)', () => {
    for (const key of ['__proto__', 'constructor', 'prototype']) {
      it(`refuses --param ${key}=… as a usage error before contacting the daemon`, async () => {
        const r = await runCli(['resource', 'add', 'lab:web', '--param', `${key}=x`, '--socket', join(dir, 'none.sock')]);
        assert.equal(r.code, 2, r.stderr);
        assert.match(r.stderr, new RegExp(`--param ${key}: unknown key`));
      });
    }
  });

  it('the diag timings file (--timings) names the problem', async () => {
    const conf = join(dir, 'corosync.conf');
    writeFileSync(conf, 'totem {\n version: 2\n cluster_name: c\n}\nnodelist {\n node {\n  name: node1\n  nodeid: 1\n  ring0_addr: 10.0.0.1\n }\n}\nquorum {\n provider: corosync_votequorum\n}\n');
    const timings = join(dir, 'timings.json');
    writeFileSync(timings, '{"roundMs":1e400}');
    const overflow = await runCli(['diag', 'config', '--file', conf, '--timings', timings]);
    assert.equal(overflow.code, 2, overflow.stderr);
    assert.match(overflow.stderr, /roundMs: number out of range/);
    writeFileSync(timings, '{"__proto__":{"roundMs":1}}');
    const proto = await runCli(['diag', 'config', '--file', conf, '--timings', timings]);
    assert.equal(proto.code, 2, proto.stderr);
    assert.match(proto.stderr, /__proto__: unknown key/);
    writeFileSync(timings, '\uFEFF{"roundMs":1000}');
    const bom = await runCli(['diag', 'config', '--file', conf, '--timings', timings]);
    assert.doesNotMatch(bom.stderr, /JSON|timings file/);
  });
});
