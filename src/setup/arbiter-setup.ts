/**
 * `quorate setup arbiter HOST`, like `pvecm qdevice setup`: checks that every node is up and the
 * cluster quorate, writes the quorum device into corosync.conf on every node, reloads corosync's
 * configuration, starts the arbiter and the nodes' device clients, and waits for the device's
 * vote; with tls on or required it first makes the certificates on the arbiter and the nodes
 * (certificate-steps.ts). It refuses, changing nothing, when a node is missing (the new expected votes could then
 * leave the cluster without quorum), when a device exists already (unless replace), or when
 * two_node is set.
 */
import { clusterOf, SetupRefusedError, withQuorumDevice, type QuorumDeviceSettings } from './quorum-device-conf';
import { certificateSteps } from './certificate-steps';
import type { RemoteRunner } from './remote';
import { mustRun, type SetupStep } from './step';

export interface ArbiterSetupOptions {
  arbiter: string;
  device: Omit<QuorumDeviceSettings, 'host' | 'votes'>;
  replace: boolean;
  /** Where corosync.conf is on a host (the same path everywhere on a real cluster). */
  confPath: (host: string) => string;
  /** Runs on the arbiter host to start the arbiter (default: its systemd unit); with TLS it must serve the certificates in arbiterCertDir. */
  arbiterStart: string[];
  /**
   * With TLS: the environment file of quorate-arbiter.service on the arbiter host, where setup sets
   * QUORATE_ARBITER_OPTIONS to the TLS mode and certificate directory (and restarts a running unit).
   * Undefined: the arbiterStart command serves TLS by itself.
   */
  arbiterDefaults?: string;
  /** The arbiter's certificate directory, made with TLS (`quorate arbiter certs init -d`). */
  arbiterCertDir: string;
  /** Runs on every node to start the node-side device client. */
  deviceStart: string[];
  /** How long to wait for the device's vote. */
  voteTimeoutMs: number;
}

/** What setup will do, step by step; `--dry-run` prints the titles, else they run in order. */
export async function planArbiterSetup(runner: RemoteRunner, self: string, options: ArbiterSetupOptions): Promise<SetupStep[]> {
  const conf = await mustRun(runner, self, ['cat', options.confPath(self)], `read ${options.confPath(self)} on ${self}`);
  const cluster = clusterOf(conf);
  if (cluster.nodes.length < 2) throw new SetupRefusedError(`${options.confPath(self)} names ${cluster.nodes.length} node(s); a quorum device needs at least two`);
  const votes = options.device.algorithm === 'lms' ? cluster.nodes.length - 1 : 1;
  const next = withQuorumDevice(conf, { ...options.device, host: options.arbiter, votes }, options.replace);
  // corosync-quorumtool exits non-zero while not quorate: its output is what counts.
  const status = (await runner.run(self, ['corosync-quorumtool', '-s'])).stdout;
  if (!/^Quorate:/m.test(status)) throw new Error(`could not ask corosync on ${self} for quorum: is corosync running?`);
  if (!/^Quorate:\s+Yes/m.test(status)) throw new SetupRefusedError('the cluster is not quorate now: set the arbiter up once every node is back');
  const nodesLine = /^Nodes:\s+(\d+)/m.exec(status);
  if (Number(nodesLine?.[1] ?? 0) !== cluster.nodes.length) {
    throw new SetupRefusedError(`${nodesLine?.[1] ?? '?'} of ${cluster.nodes.length} nodes are members: with a node missing the new expected votes `
      + 'could leave the cluster without quorum until the device votes; bring every node up first');
  }
  const tls = options.device.tls !== 'off';
  if (tls && cluster.name === '') throw new SetupRefusedError(`${options.confPath(self)} sets no totem.cluster_name: the TLS cluster certificate is issued for it`);
  const nodes = cluster.nodes.map((n) => n.address);
  return [
    {
      title: `check that quorate runs on the arbiter ${options.arbiter} and on ${nodes.join(', ')}`,
      run: async () => {
        for (const host of [options.arbiter, ...nodes]) await mustRun(runner, host, ['quorate', '--version'], `run quorate on ${host}`);
      },
    },
    ...(tls ? certificateSteps(runner, { arbiter: options.arbiter, arbiterCertDir: options.arbiterCertDir, nodes, cluster: cluster.name }) : []),
    ...(tls && options.arbiterDefaults !== undefined ? [arbiterTlsDefaultsStep(runner, options, options.arbiterDefaults)] : []),
    {
      title: `start the arbiter on ${options.arbiter}: ${options.arbiterStart.join(' ')}${tls ? ` (it must serve tls ${options.device.tls} from ${options.arbiterCertDir})` : ''}`,
      run: async () => {
        await mustRun(runner, options.arbiter, options.arbiterStart, `start the arbiter on ${options.arbiter}`);
      },
    },
    {
      title: `write the quorum device (net, ${options.device.algorithm}, ${votes} vote(s), tls ${options.device.tls}) into corosync.conf on ${nodes.join(', ')}`,
      run: async () => {
        for (const host of nodes) {
          const path = options.confPath(host);
          await mustRun(runner, host, ['sh', '-c', 'cat > "$1.quorate-new" && mv "$1.quorate-new" "$1"', 'sh', path], `write ${path} on ${host}`, next);
        }
      },
    },
    {
      title: `reload corosync's configuration on every node (corosync-cfgtool -R on ${self})`,
      run: async () => {
        await mustRun(runner, self, ['corosync-cfgtool', '-R'], `reload corosync's configuration from ${self}`);
      },
    },
    {
      title: `start the quorum device client on ${nodes.join(', ')}: ${options.deviceStart.join(' ')}`,
      run: async () => {
        for (const host of nodes) await mustRun(runner, host, options.deviceStart, `start the quorum device client on ${host}`);
      },
    },
    {
      title: `wait up to ${options.voteTimeoutMs / 1000} s for the device's vote`,
      run: async () => {
        const deadline = performance.now() + options.voteTimeoutMs;
        let last = '';
        while (performance.now() < deadline) {
          last = (await runner.run(self, ['corosync-quorumtool', '-s'])).stdout;
          if (/Qdevice/.test(last) && new RegExp(`^Total votes:\\s+${cluster.nodes.length + votes}$`, 'm').test(last)) {
            return `${cluster.nodes.length + votes} votes with the arbiter's`;
          }
          await new Promise((r) => setTimeout(r, 500));
        }
        const hint = tls ? ` (tls ${options.device.tls}: does the arbiter on ${options.arbiter} serve TLS with the certificates in ${options.arbiterCertDir}?)` : '';
        throw new Error(`the device's vote did not arrive within ${options.voteTimeoutMs / 1000} s${hint}; corosync-quorumtool says:\n${last}`);
      },
    },
  ];
}

/** Keeps the file's other lines; a running unit is restarted so that it serves TLS now. */
const replaceOptionsLine = 'f="$1"; touch "$f" && { grep -v "^QUORATE_ARBITER_OPTIONS=" "$f"; cat; } > "$f.quorate-new" && mv "$f.quorate-new" "$f"'
  + ' && { systemctl try-restart quorate-arbiter.service 2>/dev/null || true; }';

function arbiterTlsDefaultsStep(runner: RemoteRunner, options: ArbiterSetupOptions, file: string): SetupStep {
  const line = `QUORATE_ARBITER_OPTIONS="--tls ${options.device.tls} --cert-dir ${options.arbiterCertDir}"`;
  return {
    title: `make quorate-arbiter.service serve tls ${options.device.tls}: ${line} in ${file} on ${options.arbiter} (restarted if it runs)`,
    run: async () => {
      await mustRun(runner, options.arbiter, ['sh', '-c', replaceOptionsLine, 'sh', file], `set the arbiter's TLS options in ${file} on ${options.arbiter}`, `${line}\n`);
    },
  };
}
