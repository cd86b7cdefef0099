import assert from 'node:assert/strict';
import { parseQuorumStatus } from '../../../src/lab/quorum-status';

const withDevice = `Quorum information
------------------
Date:             Sun Nov 22 23:52:11 2026
Quorum provider:  corosync_votequorum
Nodes:            2
Node ID:          1
Ring ID:          1.9
Quorate:          Yes

Votequorum information
----------------------
Expected votes:   3
Highest expected: 3
Total votes:      3
Quorum:           2  
Flags:            Quorate Qdevice 

Membership information
----------------------
    Nodeid      Votes    Qdevice Name
         1          1    A,V,NMW node1 (local)
         2          1    A,V,NMW node2
         0          1            Qdevice
`;

describe('corosync-quorumtool -s parsing', () => {
  it('reads quorum, votes, members and the device vote', () => {
    const status = parseQuorumStatus(withDevice);
    assert.equal(status.quorate, true);
    assert.equal(status.nodes, 2);
    assert.equal(status.nodeId, 1);
    assert.equal(status.ringId, '1.9');
    assert.equal(status.expectedVotes, 3);
    assert.equal(status.totalVotes, 3);
    assert.equal(status.quorum, 2);
    assert.deepEqual(status.flags, ['Quorate', 'Qdevice']);
    assert.equal(status.qdeviceVotes, 1);
    assert.deepEqual(status.members, [
      { nodeId: 1, votes: 1, name: 'node1', qdeviceFlags: 'A,V,NMW' },
      { nodeId: 2, votes: 1, name: 'node2', qdeviceFlags: 'A,V,NMW' },
    ]);
  });

  it('reads a node alone without quorum and a device that is not voting', () => {
    const text = withDevice.replace('Nodes:            2', 'Nodes:            1').replace('Quorate:          Yes', 'Quorate:          No')
      .replace('Total votes:      3', 'Total votes:      1').replace(/ {9}2 {10}1 {4}A,V,NMW node2\n/, '')
      .replace('A,V,NMW node1', 'NA,NV,NMW node1').replace(/0 {10}1 {12}Qdevice/, '0          0            Qdevice');
    const status = parseQuorumStatus(text);
    assert.equal(status.quorate, false);
    assert.equal(status.nodes, 1);
    assert.equal(status.totalVotes, 1);
    assert.equal(status.qdeviceVotes, 0);
    assert.deepEqual(status.members, [{ nodeId: 1, votes: 1, name: 'node1', qdeviceFlags: 'NA,NV,NMW' }]);
  });
});
