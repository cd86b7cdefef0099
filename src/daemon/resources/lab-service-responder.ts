/**
 * The lab service itself (`node lab-service-responder.js SID NODE ADDRESS PORT [JOURNAL]`): an HTTP
 * responder on the service's floating address that answers every request with the node's name
 * and the service id. It journals `started` once it listens and `stopped` once it closed on
 * SIGTERM; a SIGKILL or a power cut journals nothing (the lab journals the power cut).
 */
import { createServer } from 'node:http';
import { appendJournal, monotonicNowMs } from './lab-service-journal';

const [sid = '', node = '', address = '', portText = '', journal] = process.argv.slice(2);
const port = Number(portText);
if (sid === '' || node === '' || address === '' || !Number.isInteger(port)) {
  process.stderr.write('usage: lab-service-responder SID NODE ADDRESS PORT [JOURNAL]\n');
  process.exit(2);
}

const server = createServer((_req, res) => {
  res.setHeader('Connection', 'close');
  res.end(`${JSON.stringify({ service: sid, node })}\n`);
});
server.listen({ host: address, port }, () => {
  if (journal !== undefined) appendJournal(journal, { at: monotonicNowMs(), event: 'started', sid, node, pid: process.pid });
  process.stdout.write('listening\n');
});
server.on('error', (err) => {
  process.stderr.write(`lab-service-responder ${sid}: ${err.message}\n`);
  process.exit(1);
});
process.once('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => {
    if (journal !== undefined) appendJournal(journal, { at: monotonicNowMs(), event: 'stopped', sid, node, pid: process.pid });
    process.exit(0);
  });
});
