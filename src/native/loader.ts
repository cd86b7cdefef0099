import path from 'node:path';
import type { RawAddon } from './addon';
import { createNativeError } from './errors';

/** Where node-gyp puts the addon, relative to the repository root. */
export const addonRelativePath = 'build/Release/quorate_native.node';

/** The repository root seen from this file, in src/native/ or dist/src/native/. */
function repositoryRoot(): string {
  const up = path.basename(path.resolve(__dirname, '../..')) === 'dist' ? '../../..' : '../..';
  return path.resolve(__dirname, up);
}

export class AddonNotBuiltError extends Error {
  constructor(readonly addonPath: string, cause: unknown) {
    super(
      `the native addon is not built (${addonPath}: ${cause instanceof Error ? cause.message.split('\n')[0] : String(cause)}); ` +
        'run scripts/bootstrap.sh',
    );
    this.name = 'AddonNotBuiltError';
  }
}

/** Loads a built addon file and registers the typed error factory with it. */
export function loadAddonFrom(addonPath: string): RawAddon {
  let addon: RawAddon;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    addon = require(addonPath) as RawAddon;
  } catch (err) {
    throw new AddonNotBuiltError(addonPath, err);
  }
  addon.setErrorFactory(createNativeError);
  return addon;
}

let cached: RawAddon | undefined;

/** The addon of this checkout, loaded once. */
export function loadAddon(): RawAddon {
  cached ??= loadAddonFrom(path.join(repositoryRoot(), addonRelativePath));
  return cached;
}
