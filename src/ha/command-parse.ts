/** Manager commands from untyped input (the operator socket, the store's wire), checked field by field. */
import { parseNodeName, parseSid } from './config-edit';
import { fail, fields, oneOf } from './shape';
import type { CrmCommand } from './types';

export function parseCrmCommand(value: unknown): CrmCommand {
  const f = fields(value, 'command');
  switch (f.cmd) {
    case 'migrate':
    case 'relocate':
      return { cmd: f.cmd, sid: parseSid(f.sid), target: parseNodeName(f.target, 'target node') };
    case 'stop':
      return { cmd: 'stop', sid: parseSid(f.sid) };
    case 'enable-node-maintenance':
    case 'disable-node-maintenance':
      return { cmd: f.cmd, node: parseNodeName(f.node) };
    case 'disarm-ha':
      return { cmd: 'disarm-ha', mode: oneOf(f.mode, ['freeze', 'ignore'] as const, 'disarm mode') };
    case 'arm-ha':
      return { cmd: 'arm-ha' };
    default:
      return fail(`command must be one of migrate, relocate, stop, enable-node-maintenance, disable-node-maintenance, disarm-ha, arm-ha, not ${JSON.stringify(f.cmd)}`);
  }
}
