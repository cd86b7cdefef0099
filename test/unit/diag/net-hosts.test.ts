import assert from 'node:assert/strict';
import { parseCorosyncConf } from '../../../src/diag/corosync-conf';
import { netHostsFromConf } from '../../../src/diag/net-hosts';

const conf = (node2Address: string) => parseCorosyncConf([
  'nodelist {',
  '  node {\n    nodeid: 1\n    name: node1\n    ring0_addr: 10.0.0.1\n  }',
  `  node {\n    nodeid: 2\n    name: node2\n    ring0_addr: ${node2Address}\n  }`,
  '}',
  'quorum {\n  device {\n    net {\n      host: 10.0.0.9\n    }\n  }\n}',
].join('\n'));

describe('diag net: hosts from corosync.conf', () => {
  it('takes the nodes and the arbiter, and finds this host by its address', () => {
    assert.deepEqual(netHostsFromConf(conf('10.0.0.2'), ['127.0.0.1', '10.0.0.2']), {
      self: { name: 'node2', address: '10.0.0.2' },
      peers: [{ name: 'node1', address: '10.0.0.1' }, { name: 'arbiter', address: '10.0.0.9' }],
    });
    assert.equal(netHostsFromConf(conf('10.0.0.2'), ['10.0.0.9']).self.name, 'arbiter');
  });

  it('refuses host names and a host that is not in the file', () => {
    assert.throws(() => netHostsFromConf(conf('node2.example'), ['10.0.0.1']), /node2: address "node2.example" is not an IPv4 address/);
    assert.throws(() => netHostsFromConf(conf('10.0.0.2'), ['192.168.1.5']), /none of 10.0.0.1, 10.0.0.2, 10.0.0.9 is an address of this host/);
  });
});
