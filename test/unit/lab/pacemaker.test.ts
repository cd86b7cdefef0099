import assert from 'node:assert/strict';
import { allResourcesStarted, onlineNodes, renderConstraints, renderResources } from '../../../src/lab/pacemaker';

const service = { sid: 'lab:web', address: '10.213.0.100', prefixLength: 24, port: 8080 };

describe('the side-by-side bench\'s Pacemaker configuration', () => {
  it('a fence_ipmilan device per node (lanplus with cipher 3, the node it fences), then the address before the responder', () => {
    const xml = renderResources([{ node: 'node1', address: '10.213.0.201', username: 'admin', password: 'p"w&' }], service, '/tmp/x/responder.sh');
    assert.match(xml, /<primitive id="fence-node1" class="stonith" type="fence_ipmilan">/);
    for (const [k, v] of [['ip', '10.213.0.201'], ['lanplus', '1'], ['cipher', '3'], ['pcmk_host_list', 'node1'], ['password', 'p&quot;w&amp;']]) {
      assert.match(xml, new RegExp(`name="${k}" value="${v}"`), k);
    }
    assert.match(xml, /<group id="svc"><primitive id="vip" [^>]*type="IPaddr2">.*name="ip" value="10.213.0.100".*name="cidr_netmask" value="24".*<primitive id="web" [^>]*type="anything">.*name="binfile" value="\/tmp\/x\/responder.sh"/);
    assert.equal(renderConstraints(['node1', 'node2']),
      '<constraints><rsc_location id="fence-node1-not-self" rsc="fence-node1" node="node1" score="-INFINITY"/><rsc_location id="fence-node2-not-self" rsc="fence-node2" node="node2" score="-INFINITY"/></constraints>');
  });

  it('reads online nodes and whether every resource runs with nothing under way from crm_mon\'s XML', () => {
    const mon = (pending: string) => `<nodes><node name="node1" id="1" online="true" standby="false"/><node name="node2" id="2" online="false"/></nodes>
      <resource id="fence-node1" role="Started" active="true"${pending}/><resource id="vip" role="Started" active="true"/>`;
    assert.deepEqual(onlineNodes(mon('')), ['node1']);
    assert.equal(allResourcesStarted(mon(''), 2), true);
    assert.equal(allResourcesStarted(mon(' pending="Monitoring"'), 2), false);
    assert.equal(allResourcesStarted(mon(''), 3), false, 'a resource missing');
  });
});
