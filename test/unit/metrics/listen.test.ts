import assert from 'node:assert/strict';
import { parseMetricsListen } from '../../../src/metrics/listen';

describe('metrics: the listen address', () => {
  it('takes HOST:PORT and [IPv6]:PORT', () => {
    assert.deepEqual(parseMetricsListen('127.0.0.1:9740'), { host: '127.0.0.1', port: 9740 });
    assert.deepEqual(parseMetricsListen('[::1]:9741'), { host: '::1', port: 9741 });
    assert.deepEqual(parseMetricsListen('node1.example:80'), { host: 'node1.example', port: 80 });
  });

  it('names what is wrong with anything else', () => {
    for (const bad of ['9740', '127.0.0.1', '127.0.0.1:0', '127.0.0.1:70000', '::1:9740', 'a b:1', '']) {
      assert.throws(() => parseMetricsListen(bad, '--metrics'), (err: Error) => err.message.startsWith(`--metrics ${JSON.stringify(bad)} is not HOST:PORT`), bad);
    }
  });
});
