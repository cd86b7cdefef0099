import assert from 'node:assert/strict';
import { newBmcState, renderLanConf } from '../../../src/lab/bmc';
import { bmcAddressing, labIdOfBmcNamespace, labIdOfNamespace, labNames } from '../../../src/lab/names';
import { resolveLabOptions } from '../../../src/lab/options';

describe('lab BMCs', () => {
  const id = 'a1b2c3';

  it('have their own namespace, switch port and address, none shared with a host', () => {
    const hosts = labNames(id, 3).hosts;
    const bmcs = hosts.filter((h) => h.nodeId !== undefined).map((h) => bmcAddressing(id, h.nodeId as number));
    assert.deepEqual(bmcs.map((b) => b.address), ['10.213.0.201', '10.213.0.202', '10.213.0.203']);
    for (const bmc of bmcs) {
      assert.ok(!hosts.some((h) => h.netns === bmc.netns || h.port === bmc.port || h.address === bmc.address));
      assert.ok(bmc.port.length <= 15 && bmc.ifname.length <= 15, 'kernel interface names have at most 15 characters');
    }
    assert.equal(bmcAddressing(id, 16).port, `q${id}b16`);
  });

  it('are found by the leftover sweep by their lab id', () => {
    assert.equal(labIdOfBmcNamespace(bmcAddressing(id, 2).netns), id);
    assert.equal(labIdOfBmcNamespace(`ql${id}-n1`), undefined);
    assert.equal(labIdOfNamespace(bmcAddressing(id, 2).netns), undefined, 'no host is mistaken for a BMC');
    assert.equal(labIdOfBmcNamespace('fxbmc'), undefined);
  });

  it("hook ipmi_sim's chassis control to the lab node and serve IPMI over LAN with the lab's credentials", () => {
    const bmc = newBmcState(id, '/tmp/lab', 'node2', 2);
    assert.ok(bmc.password.length <= 16, 'IPMI 1.5 passwords have at most 16 bytes');
    const conf = renderLanConf(bmc, 'mylab', 2);
    assert.match(conf, /^ {4}addr 10\.213\.0\.202 623$/m);
    assert.match(conf, /^ {2}chassis_control ".*\/bmc-hook\.js mylab node2"$/m);
    assert.ok(conf.includes(`user 2 true "admin" "${bmc.password}" admin`));
  });

  it('are off unless asked for', () => {
    assert.equal(resolveLabOptions({}, id).bmc, false);
    assert.equal(resolveLabOptions({ bmc: true }, id).bmc, true);
  });
});
