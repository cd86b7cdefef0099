/**
 * The service probe's process (`node probe-runner.js ADDRESS PORT INTERVAL_MS`), run in the lab
 * client's namespace: every interval it opens a TCP connection to the service address, sends one
 * HTTP request and prints one JSON line per answer, {at, node, bootId, body}, with `at` in monotonic ms
 * (CLOCK_MONOTONIC, shared by every network namespace). Attempts overlap: a connection to a
 * node that lost power hangs until its timeout while the next attempts go on.
 */
import { connect } from 'node:net';

const [address = '', portText = '', intervalText = '20'] = process.argv.slice(2);
const port = Number(portText);
const intervalMs = Number(intervalText);
const attemptTimeoutMs = 1000;
const maxInFlight = 60;
let inFlight = 0;

const nowMs = (): number => Number(process.hrtime.bigint()) / 1e6;

function attempt(): void {
  if (inFlight >= maxInFlight) return;
  inFlight += 1;
  const socket = connect({ host: address, port });
  let body = '';
  const done = (): void => {
    socket.destroy();
    inFlight -= 1;
  };
  socket.setTimeout(attemptTimeoutMs, done);
  socket.on('connect', () => socket.write(`GET / HTTP/1.0\r\nHost: ${address}\r\n\r\n`));
  socket.on('data', (chunk) => {
    body += chunk.toString();
  });
  socket.on('end', () => {
    const node = /\bnode\d+\b/.exec(body)?.[0] ?? null;
    // A hypervisor lab guest answers `guest NAME boot BOOT_ID` (src/lab/guest-image.ts).
    const bootId = /\bboot ([0-9a-f-]{36})\b/.exec(body)?.[1] ?? null;
    process.stdout.write(`${JSON.stringify({ at: nowMs(), node, bootId, body: body.slice(-200) })}\n`);
    done();
  });
  socket.on('error', done);
}

if (address === '' || !Number.isInteger(port) || !(intervalMs > 0)) {
  process.stderr.write('usage: probe-runner ADDRESS PORT INTERVAL_MS\n');
  process.exit(2);
}
setInterval(attempt, intervalMs);
