import { readFileSync } from 'node:fs';
import convict from 'convict';
import { parseStrictJson } from '../../util/strict-json';
import { TlsSupported } from '../protocol/constants';
import { ArbiterSettings, defaultArbiterSettings } from './settings';

/** Where `quorate arbiter status/list` find a running arbiter by default. */
export const DEFAULT_STATUS_SOCKET = '/run/quorate/arbiter.sock';

const d = defaultArbiterSettings;

/** The arbiter's configuration file schema (JSON); every key can be overridden on the command line. */
const schema = {
  listen: { doc: 'address to listen on; "::" accepts IPv4 and IPv6', format: String, default: d.host },
  port: { doc: 'TCP port', format: 'port', default: d.port },
  tls: { doc: 'TLS mode: off, on or required', format: ['off', 'on', 'required'], default: 'off' },
  clientCertRequired: { doc: 'require a client certificate with CN = cluster name', format: Boolean, default: d.clientCertRequired },
  certificate: { doc: 'PEM server certificate (CN "Qnetd Server"), needed when tls is not off', format: String, default: '/etc/quorate/arbiter/server.crt' },
  key: { doc: 'PEM server key', format: String, default: '/etc/quorate/arbiter/server.key' },
  ca: { doc: 'PEM CA certificate that signs the cluster certificates', format: String, default: '/etc/quorate/arbiter/ca.crt' },
  maxClients: { doc: 'maximum connected clients, 0 = unlimited', format: 'nat', default: d.maxClients },
  listenBacklog: { doc: 'TCP accept backlog', format: 'nat', default: d.listenBacklog },
  maxMessageSize: { doc: 'largest message accepted and sent, header included (at least 32768 for real clients)', format: 'nat', default: d.maxReceiveSize },
  heartbeatMin: { doc: 'smallest heartbeat interval a client may ask for (ms)', format: 'nat', default: d.heartbeatMin },
  heartbeatMax: { doc: 'largest heartbeat interval a client may ask for (ms)', format: 'nat', default: d.heartbeatMax },
  dpdEnabled: { doc: 'drop clients that stay silent for dpdCoefficient × heartbeat', format: Boolean, default: d.dpdEnabled },
  dpdCoefficient: { doc: 'dead-peer detection factor (1..1000)', format: Number, default: d.dpdCoefficient },
  initTimeout: { doc: 'drop a client that has not completed INIT this long after connecting (ms, 0 = never)', format: 'nat', default: d.initTimeoutMs },
  keepActivePartition: { doc: 'keep-active-partition default for clients that do not send it', format: Boolean, default: d.keepActivePartitionDefault },
  statusSocket: { doc: 'root-only unix socket for status and list', format: String, default: DEFAULT_STATUS_SOCKET },
  logLevel: { doc: 'error, warn, info or debug', format: ['error', 'warn', 'info', 'debug'], default: 'info' },
};

export type ArbiterConfig = {
  [K in keyof typeof schema]: (typeof schema)[K]['default'] extends number ? number
    : (typeof schema)[K]['default'] extends boolean ? boolean : string;
};

/** Thrown for a bad setting; the message names the key. */
export class ArbiterConfigError extends Error {}

/** Loads the file (if any), applies overrides and validates; errors name the offending key. */
export function loadArbiterConfig(file: string | undefined, overrides: Partial<Record<keyof ArbiterConfig, unknown>>): ArbiterConfig {
  const config = convict(schema);
  try {
    if (file) config.load(parseStrictJson(readFileSync(file, 'utf8')));
    for (const [k, v] of Object.entries(overrides)) if (v !== undefined) config.set(k, v);
    config.validate({ allowed: 'strict' });
  } catch (err) {
    throw new ArbiterConfigError(`arbiter configuration${file ? ` ${file}` : ''}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const c = config.getProperties() as ArbiterConfig;
  if (c.dpdCoefficient < 1 || c.dpdCoefficient > 1000) throw new ArbiterConfigError('dpdCoefficient: must be between 1 and 1000');
  if (c.heartbeatMin > c.heartbeatMax) throw new ArbiterConfigError('heartbeatMin: must not exceed heartbeatMax');
  if (c.maxMessageSize < 32768) throw new ArbiterConfigError('maxMessageSize: real corosync-qdevice refuses a server that accepts less than 32768 bytes');
  return c;
}

export function settingsFromConfig(c: ArbiterConfig): ArbiterSettings {
  return {
    ...defaultArbiterSettings,
    host: c.listen,
    port: c.port,
    tls: c.tls === 'off' ? TlsSupported.Unsupported : c.tls === 'on' ? TlsSupported.Supported : TlsSupported.Required,
    clientCertRequired: c.clientCertRequired,
    maxClients: c.maxClients,
    listenBacklog: c.listenBacklog,
    maxReceiveSize: c.maxMessageSize,
    maxSendSize: c.maxMessageSize,
    heartbeatMin: c.heartbeatMin,
    heartbeatMax: c.heartbeatMax,
    dpdEnabled: c.dpdEnabled,
    dpdCoefficient: c.dpdCoefficient,
    keepActivePartitionDefault: c.keepActivePartition,
    initTimeoutMs: c.initTimeout,
  };
}
