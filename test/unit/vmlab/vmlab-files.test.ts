import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import sinon from 'sinon';
import { main } from '../../../src/cli/main';
import { parseCorosyncConf } from '../../../src/diag/corosync-conf';
import { clusterFiles, vmlabDaemonTimings } from '../../../src/vmlab/code-disk';
import { guestNamed, vmlabGuests, vmlabLayout, vmlabPaths } from '../../../src/vmlab/layout';
import { guestKernelCommandLine, qemuArgv } from '../../../src/vmlab/qemu';
import { shellQuote, sshNeverConnected } from '../../../src/vmlab/vmlab';

const checkout = join(__dirname, '../../../..');
const image = { base: '/c/base.img', kernel: '/c/vmlinux', initrd: '/c/initrd.img', sshKey: '/c/id_ed25519' };

describe('vmlab: guests, qemu command lines and cluster files', () => {
  it('tells each guest its name, role and address on the kernel command line', () => {
    assert.equal(guestKernelCommandLine(guestNamed('node2')),
      'root=/dev/vda rw console=ttyS0 quiet net.ifnames=0 quorate.name=node2 quorate.role=node quorate.addr=192.168.56.12/24');
    assert.match(guestKernelCommandLine(guestNamed('arbiter')), /quorate\.role=arbiter quorate\.addr=192\.168\.56\.13\/24$/);
  });

  it('boots every guest under TCG with -no-reboot (a reset ends qemu), its own overlay and tap, the shared code disk read-only', () => {
    const argv = qemuArgv(guestNamed('node1'), image);
    assert.ok(argv.includes('-no-reboot'));
    assert.equal(argv[argv.indexOf('-accel') + 1], 'tcg,tb-size=128');
    assert.ok(argv.includes('file=/run/quorate-vmlab/node1.qcow2,if=virtio,format=qcow2'));
    assert.ok(argv.includes('file=/run/quorate-vmlab/code.img,if=virtio,format=raw,readonly=on'));
    assert.ok(argv.includes('tap,id=lan,ifname=qvm-node1,script=no,downscript=no'));
    assert.equal(new Set(vmlabGuests.map((g) => g.mac)).size, 3);
    assert.ok(vmlabGuests.every((g) => g.tap.length <= 15), 'interface names fit IFNAMSIZ');
  });

  it('unknown guest names are refused with the list of guests', () => {
    assert.throws(() => guestNamed('node3'), /no VM lab guest named node3 \(guests: node1, node2, arbiter\)/);
  });

  it('cluster files: the Vagrant corosync.conf (same addresses), hosts, an authkey and one integrated-qdevice config per node', () => {
    const files = clusterFiles(checkout);
    const conf = parseCorosyncConf(String(files['corosync.conf']));
    assert.ok(conf !== undefined);
    for (const g of vmlabGuests.filter((guest) => guest.role === 'node')) {
      assert.match(String(files['corosync.conf']), new RegExp(`ring0_addr: ${g.address.replace(/\./g, '\\.')}`));
      assert.deepEqual(JSON.parse(String(files[`quorate-${g.name}.json`])), { node: g.name, qdevice: { mode: 'integrated' }, timings: vmlabDaemonTimings });
    }
    assert.match(String(files['corosync.conf']), /host: 192\.168\.56\.13/);
    assert.match(String(files['corosync.conf']), /^\s*token: 5000$/m, 'a starved guest keeps its ring');
    assert.match(String(files['corosync.conf']), /^\s*consensus: 6000$/m);
    assert.match(String(files.hosts), /^192\.168\.56\.13 arbiter$/m);
    assert.equal(files['watchdog-mux.env'], 'QUORATE_WATCHDOG_TIMEOUT=20\n', 'the multiplexer asks softdog for the W the daemons use');
    assert.equal((files.authkey as Buffer).length, 256);
    assert.notDeepEqual(clusterFiles(checkout).authkey, files.authkey, 'a fresh key per lab');
    assert.ok(`${vmlabLayout.serviceAddress}`.startsWith('192.168.56.'));
  });

  it('quotes exec arguments so the guest shell sees them unchanged', () => {
    assert.equal(shellQuote('quorate'), 'quorate');
    assert.equal(shellQuote('address=192.168.56.100/24'), 'address=192.168.56.100/24');
    assert.equal(shellQuote("it's a b"), "'it'\\''s a b'");
    assert.equal(shellQuote('$(reboot)'), "'$(reboot)'");
    assert.equal(shellQuote(''), "''");
  });

  it('tries ssh again only when the command cannot have reached the guest', () => {
    const failed = (stderr: string, code = 255) => sshNeverConnected({ code, stdout: '', stderr });
    assert.equal(failed('Connection timed out during banner exchange\n'), true);
    assert.equal(failed('ssh: connect to host 192.168.56.11 port 22: Connection timed out\n'), true);
    assert.equal(failed('ssh: connect to host 192.168.56.11 port 22: Connection refused\n'), true);
    assert.equal(failed('Timeout, server 192.168.56.11 not responding.\n'), false, 'a session lost after the command started');
    assert.equal(failed('Connection timed out', 1), false, 'the remote command\'s own exit code');
    assert.equal(failed(''), false);
  });
});

describe('quorate vmlab: errors before anything runs', () => {
  let stderr: sinon.SinonStub;
  beforeEach(() => { stderr = sinon.stub(process.stderr, 'write').returns(true); });
  afterEach(() => { stderr.restore(); });

  it('a fault the lab does not know is a usage error (2); asking a lab that is not up says so (3)', async function () {
    if (existsSync(vmlabPaths.state)) this.skip(); // a VM lab is up on this machine: its status is not an error
    assert.equal(await main(['vmlab', 'failover', '--fault', 'meteor']), 2);
    assert.equal(await main(['vmlab', 'status']), 3);
    assert.match(stderr.getCalls().map((c) => String(c.args[0])).join(''), /no VM lab is up: `quorate vmlab up` first/);
  });
});
