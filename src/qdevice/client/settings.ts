import fs from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import type { Cmap } from '../../native/cmap';
import { nodeTlsFiles } from '../certs/node-certs';
import { CmapReader, QdeviceConfigError, readQuorumDeviceConfig } from './cmap-config';
import type { QuorumDevice, QuorumDeviceConfig } from './quorum-device';

/** Where settings problems go (the CLI's and the daemon's loggers fit). */
export interface SettingsLog {
  info(message: string, meta?: Record<string, unknown>): void;
  warn(message: string): void;
}

/** A reload settles this long after the last quorum.device.* change (corosync-cfgtool -R writes many keys). */
export const RELOAD_SETTLE_MS = 500;

/**
 * The device's settings from cmap, with the TLS files our `qdevice certs` leaves in the NSS
 * directory. tls on without them falls back to plaintext (an arbiter that requires TLS then
 * refuses); tls required without them is a QdeviceConfigError naming the files.
 */
export function loadQuorumDeviceConfig(cmap: CmapReader, nssDb: string, log: SettingsLog): QuorumDeviceConfig {
  const config = readQuorumDeviceConfig(cmap);
  if (config.tls === 'off') return config;
  const files = nodeTlsFiles(nssDb);
  try {
    return { ...config, tlsMaterial: { ca: fs.readFileSync(files.caCert), pfx: fs.readFileSync(files.clientP12) } };
  } catch (err) {
    const why = `${files.caCert} and ${files.clientP12} cannot be read (make them with 'quorate qdevice certs'): ${err instanceof Error ? err.message : String(err)}`;
    if (config.tls === 'required') throw new QdeviceConfigError(`quorum.device.net.tls is required but ${why}`);
    log.warn(`quorum.device.net.tls is on but ${why}; TLS is off`);
    return { ...config, tls: 'off' };
  }
}

/**
 * Follows quorum.device.* in cmap: RELOAD_SETTLE_MS after the last change the settings are read
 * again and, if they differ, the device reconnects with them; unusable settings are logged and
 * the old ones kept. Returns the function that stops following (the caller closes cmap).
 */
export function followDeviceSettings(cmap: Cmap, device: QuorumDevice, nssDb: string, log: SettingsLog): () => void {
  let timer: NodeJS.Timeout | undefined;
  const reload = () => {
    try {
      const next = loadQuorumDeviceConfig(cmap, nssDb, log);
      if (isDeepStrictEqual(next, device.settings)) return;
      log.info('quorum.device settings changed: reconnecting', { arbiter: `${next.host}:${next.port}`, tls: next.tls, heuristics: next.heuristics?.mode });
      device.reconfigure(next);
    } catch (err) {
      log.warn(`quorum.device settings changed but cannot be used, keeping the old ones: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  const onChange = () => {
    clearTimeout(timer);
    timer = setTimeout(reload, RELOAD_SETTLE_MS);
  };
  const onError = (err: Error) => log.warn(`cmap connection lost, settings are no longer followed: ${err.message}`);
  cmap.on('change', onChange);
  cmap.on('error', onError);
  const trackId = cmap.track('quorum.device.', { prefix: true });
  return () => {
    clearTimeout(timer);
    cmap.off('change', onChange);
    cmap.off('error', onError);
    try {
      cmap.untrack(trackId);
    } catch {
      // cmap already closed or lost: nothing left to untrack.
    }
  };
}
