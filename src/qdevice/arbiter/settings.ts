import { DEFAULT_MAX_MESSAGE_SIZE, DEFAULT_PORT, TlsSupported } from '../protocol/constants';

/** The arbiter's settings, with corosync-qnetd's defaults (its -S advanced settings). */
export interface ArbiterSettings {
  /** Listen address; '::' (dual-stack wildcard) by default, like qnetd without -l. */
  host: string;
  port: number;
  tls: TlsSupported;
  clientCertRequired: boolean;
  /** 0 = unlimited. */
  maxClients: number;
  listenBacklog: number;
  maxReceiveSize: number;
  maxSendSize: number;
  heartbeatMin: number;
  heartbeatMax: number;
  dpdEnabled: boolean;
  dpdCoefficient: number;
  /** Preset for clients that never send the keep-active-partition option. */
  keepActivePartitionDefault: boolean;
  /** Queued outgoing bytes after which a client that does not read is dropped. */
  maxSendQueueBytes: number;
  /** A client that has not completed INIT this long after connecting is dropped (0: never). */
  initTimeoutMs: number;
}

export const defaultArbiterSettings: ArbiterSettings = {
  host: '::',
  port: DEFAULT_PORT,
  tls: TlsSupported.Unsupported,
  clientCertRequired: true,
  maxClients: 0,
  // qnetd's default of 10 stalls a reconnect storm for seconds (SYN retransmits); Node caps at somaxconn.
  listenBacklog: 4096,
  maxReceiveSize: DEFAULT_MAX_MESSAGE_SIZE,
  maxSendSize: DEFAULT_MAX_MESSAGE_SIZE,
  heartbeatMin: 1000,
  heartbeatMax: 120000,
  dpdEnabled: true,
  dpdCoefficient: 1.5,
  keepActivePartitionDefault: false,
  maxSendQueueBytes: 32 * DEFAULT_MAX_MESSAGE_SIZE,
  // corosync-qdevice gives up on PREINIT..INIT_REPLY after 8 s (connect_timeout); room for a
  // reconnect storm's TLS handshakes. qnetd has no such limit (only its 180 s pre-INIT DPD).
  initTimeoutMs: 30000,
};
