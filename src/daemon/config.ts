/**
 * The node daemon's configuration file (/etc/quorate/quorate.json), checked by a convict schema
 * at start: an unknown key or a bad value stops the daemon with a message naming the key, because
 * a daemon that guesses at its fencing settings is worse than one that does not run.
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import convict from 'convict';
import { parseStrictJson } from '../util/strict-json';
import { simulatorTimingDefaults, type HaTimings } from '../ha/timings';
import { defaultMetricsPorts, parseMetricsListen } from '../metrics/listen';
import { defaultFenceRecordPath } from '../watchdog/fence-record';
import { defaultMuxSocketPath } from '../watchdog/mux-client';
import { defaultFencing, parseFencing, type FencingConfig } from '../fence/config';
import { defaultOperatorSocket } from './operator/client';
import { defaultJobsCommand } from './shutdown-kind';

export const defaultConfigPath = '/etc/quorate/quorate.json';

export interface DaemonConfig {
  /** This node's name as corosync knows it (nodelist name). */
  node: string;
  timings: HaTimings;
  watchdog: { socket: string; fenceRecord: string };
  store: { dir: string };
  operator: { socket: string };
  metrics: { enabled: boolean; listen: string };
  qdevice: { mode: QdeviceMode; voteGraceMs: number; nssDb: string };
  /** How a SIGTERM learns whether the node reboots, powers off or only the daemon stops (shutdown-kind.ts). */
  shutdown: { jobsCommand: string[] };
  drivers: {
    monitorIntervalMs: number;
    lab: { port: number; stopTimeoutMs: number; runDir: string; journal: string };
    vm: { uri: string; migrationUri: string; migrationAddresses: Record<string, string>; sharedStorage: string; trustSharedStorage: boolean; runDir: string };
  };
  /** What this node offers services, for placement by static load; 0: read from the host (capacity.ts). */
  capacity: { cores: number; memoryMiB: number };
  /** Fence devices per node (src/fence/config.ts); none by default. */
  fencing: FencingConfig;
}

/**
 * `external`: corosync-qdevice casts the device vote and votequorum's view is all the daemon has,
 * so Q_stale covers the device timeouts. `integrated`: the daemon's own client casts it, renewals
 * feed the watchdog only in a ring the arbiter acknowledged, and the feeding stops when the ring
 * has no ACK for voteGraceMs after a membership change (Q_renew: one token timeout).
 */
export type QdeviceMode = 'external' | 'integrated';

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

const nodeNamePattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

function milliseconds(doc: string, fallback: number) {
  return { doc: `${doc} (ms)`, format: 'nat', default: fallback };
}

function absolutePath(doc: string, fallback: string) {
  return {
    doc,
    default: fallback,
    format: (value: unknown): void => {
      if (typeof value !== 'string' || !value.startsWith('/')) throw new Error('must be an absolute path');
    },
  };
}

/**
 * The daemon's timing defaults. Where the simulator models a fixed cluster, the daemon reads the
 * values in force: Q_stale and Q_renew 0 mean "from corosync's token, consensus and quorum device" and a
 * lease of 0 means "the smallest safe lease", both computed at start (startup-check.ts). Rounds
 * and renewals of 500 ms halve what a failover waits on round boundaries.
 */
export const daemonTimingDefaults: HaTimings = {
  ...simulatorTimingDefaults, roundMs: 500, renewIntervalMs: 500, feedWindowMs: 750, clockMarginMs: 500, quorumStaleMs: 0, renewStaleMs: 0, lockLeaseMs: 0,
  // With the fast corosync profile's device timeout (3 s) the arbiter may take 3.6 s to decide a
  // tie; the node that keeps its services must renew within 0.8 × W after that (startup-check.ts).
  watchdogMs: 6000,
};

// A program and its arguments. Registered with its own coerce: convict would parse a string
// given for an array-valued key as JSON and fail with a message that does not name the key.
convict.addFormat({
  name: 'command',
  coerce: (value: unknown) => value,
  validate: (value: unknown): void => {
    if (!Array.isArray(value) || value.length === 0 || !value.every((v) => typeof v === 'string' && v !== '')) {
      throw new Error('must be a non-empty list of non-empty strings (the program and its arguments)');
    }
  },
});

// node name → IP literal (convict has no record type).
convict.addFormat({
  name: 'address-map',
  coerce: (value: unknown) => value,
  validate: (value: unknown): void => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('must be an object of node name → IP address');
    for (const [node, address] of Object.entries(value)) {
      if (!nodeNamePattern.test(node)) throw new Error(`${JSON.stringify(node)} is not a node name`);
      if (typeof address !== 'string' || isIP(address) === 0) throw new Error(`${node}: ${JSON.stringify(address)} is not an IP address (no host names)`);
    }
  },
});

function schema() {
  const t = daemonTimingDefaults;
  return convict({
    node: {
      doc: "this node's corosync name",
      default: '',
      format: (value: unknown): void => {
        if (typeof value !== 'string' || !nodeNamePattern.test(value)) {
          throw new Error('must be a node name (letters, digits, . _ -; at most 63 characters)');
        }
      },
    },
    timings: {
      roundMs: milliseconds('length of one CRM and LRM round', t.roundMs),
      renewIntervalMs: milliseconds('lock renewal interval', t.renewIntervalMs),
      feedWindowMs: milliseconds('watchdog fed while the last renewal is at most this old', t.feedWindowMs),
      lockLeaseMs: milliseconds('lease of the manager and agent locks; 0: the smallest safe lease, computed at start', t.lockLeaseMs),
      watchdogMs: milliseconds('watchdog timeout asked of the multiplexer', t.watchdogMs),
      quorumStaleMs: milliseconds("longest a cut-off node may believe it is quorate; raised to what corosync's values in force give", t.quorumStaleMs),
      renewStaleMs: milliseconds("longest after a cut that a cut-off node may still confirm a renewal; raised to what corosync's values in force give", t.renewStaleMs),
      clockMarginMs: milliseconds('allowance for clock and scheduling differences', t.clockMarginMs),
      fenceDelayMs: milliseconds('offline time before services go to fence', t.fenceDelayMs),
      goneCleanupMs: milliseconds('time a deleted node stays gone', t.goneCleanupMs),
      lrmIdleRounds: { doc: 'idle rounds before the LRM disarms', format: 'nat', default: t.lrmIdleRounds },
    },
    watchdog: {
      socket: absolutePath('watchdog multiplexer socket', defaultMuxSocketPath),
      fenceRecord: absolutePath("the multiplexer's record of why it stopped feeding (its --fence-record)", defaultFenceRecordPath),
    },
    store: { dir: absolutePath('replicated store directory', '/var/lib/quorate/store') },
    operator: { socket: absolutePath('root-only operator socket', defaultOperatorSocket) },
    metrics: {
      enabled: { doc: 'serve Prometheus metrics over HTTP', format: Boolean, default: true },
      listen: {
        doc: 'HOST:PORT of the /metrics endpoint (loopback by default)',
        default: `127.0.0.1:${defaultMetricsPorts.daemon}`,
        format: (value: unknown): void => {
          parseMetricsListen(String(value), 'value');
        },
      },
    },
    qdevice: {
      mode: { doc: 'who casts the quorum device vote: external (corosync-qdevice) or integrated (this daemon)', format: ['external', 'integrated'], default: 'external' },
      voteGraceMs: milliseconds("integrated: how long a partition may wait for the arbiter's answer after a membership change; 0: 1.2 × quorum.device.timeout + 1 s", 0),
      nssDb: absolutePath("integrated: the directory `quorate qdevice certs` filled (corosync-qdevice's NSS database directory)", '/etc/corosync/qdevice/net/nssdb'),
    },
    shutdown: {
      jobsCommand: {
        doc: "command that lists systemd's queued jobs (JOB UNIT TYPE STATE lines); a queued reboot.target or poweroff.target start tells a system shutdown from a daemon stop",
        default: defaultJobsCommand,
        format: 'command',
      },
    },
    capacity: {
      cores: { doc: 'cores HA services may use on this node, for placement by static load (0: the CPUs the host has)', format: 'nat', default: 0 },
      memoryMiB: { doc: 'memory HA services may use on this node in MiB, for placement by static load (0: the memory the host has)', format: 'nat', default: 0 },
    },
    drivers: {
      monitorIntervalMs: milliseconds('how often the status of every HA service running here is read: one found stopped outside HA is started again; 0: never', 5000),
      lab: {
        port: { doc: 'TCP port of the lab service responder', format: 'port', default: 8080 },
        stopTimeoutMs: milliseconds('time a lab service gets to stop before SIGKILL', 5000),
        runDir: absolutePath("lab services' pid files", '/run/quorate/lab'),
        journal: {
          doc: 'file where lab service instances journal their starts and stops (empty: none)',
          default: '',
          format: (value: unknown): void => {
            if (typeof value !== 'string' || (value !== '' && !value.startsWith('/'))) throw new Error('must be empty or an absolute path');
          },
        },
      },
      vm: {
        uri: { doc: 'libvirt connection URI of this node', format: String, default: 'qemu:///system' },
        migrationUri: {
          doc: "libvirt URI of a live migration's target; {address} is the target's migration address",
          default: 'qemu+tcp://{address}/system',
          format: (value: unknown): void => {
            if (typeof value !== 'string' || !value.includes('{address}')) throw new Error('must contain {address} (migrations go to addresses, never host names)');
          },
        },
        migrationAddresses: {
          doc: 'node name → IP address its libvirtd and qemu accept migrations on (usually its corosync ring0_addr)',
          default: {},
          format: 'address-map',
        },
        sharedStorage: absolutePath('directory all nodes share: every file a VM under HA uses must lie under it', '/var/lib/quorate/shared'),
        trustSharedStorage: {
          doc: "migrate with virsh --unsafe: sharedStorage is shared even where libvirt cannot tell (a local or bind-mounted directory); libvirt trusts NFS, GFS2, OCFS2, CephFS and disks with cache='none' itself",
          format: Boolean,
          default: false,
        },
        runDir: absolutePath('where a domain definition is written for virsh create', '/run/quorate/vm'),
      },
    },
  });
}

/** Checks a parsed config object; throws ConfigError naming every bad key. */
export function parseConfig(raw: unknown): DaemonConfig {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ConfigError('config must be a JSON object');
  }
  // Lists of devices are beyond convict's schema: the fencing section has its own parser.
  const { fencing = defaultFencing, ...rest } = raw as Record<string, unknown>;
  const config = schema();
  try {
    config.load(rest);
    config.validate({ allowed: 'strict' });
  } catch (err) {
    throw new ConfigError(`bad config: ${(err as Error).message}`);
  }
  try {
    return { ...(config.getProperties() as Omit<DaemonConfig, 'fencing'>), fencing: parseFencing(fencing) };
  } catch (err) {
    throw new ConfigError(`bad config: fencing.${(err as Error).message}`);
  }
}

/** Reads and checks the config file; every failure names the file and, for values, the key. */
export function loadConfig(path: string = defaultConfigPath): DaemonConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read ${path}: ${(err as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = parseStrictJson(text);
  } catch (err) {
    throw new ConfigError(`${path}: ${(err as Error).message}`);
  }
  try {
    return parseConfig(raw);
  } catch (err) {
    throw new ConfigError(`${path}: ${(err as Error).message}`);
  }
}
