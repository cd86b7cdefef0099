import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DeviceError } from '../../../src/native/errors';
import { addonRelativePath } from '../../../src/native/loader';
import { KernelWatchdogDevice } from '../../../src/native/watchdog';
import type { RawWatchdogHandle } from '../../../src/native/addon';

const addonBuilt = existsSync(join(__dirname, '../../../..', addonRelativePath));

function requireAddon(context: Mocha.Context): void {
  if (addonBuilt) return;
  console.log('      skipped: the native addon is not built (run scripts/bootstrap.sh)');
  context.skip();
}

describe('kernel watchdog device', () => {
  it('opening a missing device gives a clear error naming the path and ENOENT', function () {
    requireAddon(this);
    assert.throws(() => KernelWatchdogDevice.open('/dev/quorate-no-such-watchdog'), (err: unknown) => {
      assert.ok(err instanceof DeviceError);
      assert.equal(err.code, 'ENOENT');
      assert.equal(err.call, 'open');
      assert.equal(err.path, '/dev/quorate-no-such-watchdog');
      assert.match(err.message, /watchdog device \/dev\/quorate-no-such-watchdog does not exist/);
      return true;
    });
  });

  it('a file that is no watchdog gives ENOTTY on its first ioctl', function () {
    requireAddon(this);
    const device = KernelWatchdogDevice.open('/dev/null');
    try {
      assert.throws(() => device.getTimeout(), /\/dev\/null is not a watchdog device \(ENOTTY from WDIOC_GETTIMEOUT\)/);
    } finally {
      device.close({ magic: false });
    }
    assert.throws(() => device.keepalive(), { name: 'HandleClosedError' });
  });

  it('checks arguments before any ioctl', () => {
    const calls: string[] = [];
    const raw: RawWatchdogHandle = {
      getSupport: () => ({ options: 0, firmwareVersion: 0, identity: 'fake' }),
      getTimeout: () => 10,
      setTimeout: (s) => { calls.push(`set ${s}`); return s; },
      keepalive: () => calls.push('keepalive'),
      getBootStatus: () => 0,
      close: (magic) => calls.push(`close ${magic}`),
    };
    const device = new KernelWatchdogDevice('/dev/fake', raw);
    assert.throws(() => device.setTimeout(0), RangeError);
    assert.throws(() => device.setTimeout(1.5), RangeError);
    assert.throws(() => device.close({} as { magic: boolean }), TypeError);
    assert.throws(() => KernelWatchdogDevice.open(''), TypeError);
    assert.equal(device.setTimeout(5), 5);
    device.close({ magic: true });
    assert.deepEqual(calls, ['set 5', 'close true']);
  });
});
