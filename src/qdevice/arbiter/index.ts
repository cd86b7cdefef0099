import type winston from 'winston';
import { ArbiterCore } from './core';
import { ArbiterServer } from './server';
import { ArbiterSettings, defaultArbiterSettings } from './settings';
import { ArbiterTls, ArbiterTlsMaterial } from './tls';

export { ArbiterCore } from './core';
export { ArbiterServer } from './server';
export { ArbiterSettings, defaultArbiterSettings } from './settings';

/** Creates the arbiter and starts listening; close() stops it and drops every client. */
export async function startArbiter(settings: Partial<ArbiterSettings>, log: winston.Logger, tls?: ArbiterTlsMaterial): Promise<ArbiterServer> {
  const core = new ArbiterCore({ ...defaultArbiterSettings, ...settings }, log);
  const server = new ArbiterServer(core, log);
  if (tls) {
    server.tls = new ArbiterTls(tls, core.settings.clientCertRequired, log, core);
    core.tlsHooks = server.tls;
  }
  await server.listen();
  return server;
}
