import assert from 'node:assert/strict';
import { constants } from 'node:os';
import { CorosyncError, DeviceError, HandleClosedError, createNativeError, csErrorName } from '../../../src/native/errors';
import { AddonNotBuiltError, loadAddonFrom } from '../../../src/native/loader';

describe('native error mapping', () => {
  it('names every cs_error_t and marks unknown numbers', () => {
    assert.equal(csErrorName(6), 'CS_ERR_TRY_AGAIN');
    assert.equal(csErrorName(2), 'CS_ERR_LIBRARY');
    assert.equal(csErrorName(100), 'CS_ERR_SECURITY');
    assert.equal(csErrorName(77), 'CS_ERR_UNKNOWN_77');
  });

  it('turns CS_ERR_LIBRARY from an initialize into "corosync is not running in this network namespace"', () => {
    const err = createNativeError({ kind: 'corosync', call: 'cpg_initialize', code: 2 });
    assert.ok(err instanceof CorosyncError);
    assert.equal(err.message, 'corosync is not running in this network namespace (CS_ERR_LIBRARY from cpg_initialize)');
    assert.equal(err.code, 'CS_ERR_LIBRARY');
    assert.equal(err.csError, 2);
    assert.equal(err.call, 'cpg_initialize');
  });

  it('keeps the call and the name for other errors, and says which are worth a retry', () => {
    const busy = new CorosyncError('cpg_mcast_joined', 6);
    assert.equal(busy.message, 'cpg_mcast_joined failed: CS_ERR_TRY_AGAIN (6)');
    assert.equal(busy.retryable, true);
    assert.equal(new CorosyncError('cmap_get', 12).retryable, false);
    assert.match(new CorosyncError('cpg_dispatch', 9).message, /lost the connection to corosync \(CS_ERR_BAD_HANDLE from cpg_dispatch\)/);
  });

  it('maps errno failures of the watchdog device to DeviceError with the errno name', () => {
    const missing = createNativeError({ kind: 'errno', call: 'open', code: constants.errno.ENOENT, path: '/dev/watchdog9' });
    assert.ok(missing instanceof DeviceError);
    assert.equal(missing.code, 'ENOENT');
    assert.match(missing.message, /watchdog device \/dev\/watchdog9 does not exist/);
    const notWatchdog = new DeviceError('WDIOC_KEEPALIVE', constants.errno.ENOTTY, '/dev/null');
    assert.equal(notWatchdog.message, '/dev/null is not a watchdog device (ENOTTY from WDIOC_KEEPALIVE)');
    assert.match(new DeviceError('open', constants.errno.EBUSY, '/dev/watchdog').message, /already open by another process/);
  });

  it('reports a call on a closed handle', () => {
    const err = createNativeError({ kind: 'closed', call: 'cmap_get', code: 0 });
    assert.ok(err instanceof HandleClosedError);
    assert.equal(err.message, 'cmap_get called on a closed handle');
  });

  it('says to run scripts/bootstrap.sh when the addon is not built', () => {
    assert.throws(() => loadAddonFrom('/nonexistent/quorate_native.node'), (err: unknown) => {
      assert.ok(err instanceof AddonNotBuiltError);
      assert.match(err.message, /the native addon is not built .*run scripts\/bootstrap\.sh/);
      return true;
    });
  });
});
