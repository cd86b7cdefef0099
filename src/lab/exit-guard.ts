/**
 * Labs (namespace or VM) owned by this process are torn down however it ends: Ctrl-C, SIGTERM, SIGHUP, an
 * uncaught error or a plain exit (mocha --exit). Node emits 'exit' after an uncaught error, so
 * no uncaughtException handler is needed (one would take that error away from mocha).
 * Handlers are installed while at least one lab is owned.
 */
const owned = new Map<string, () => void>();

function tearDownAll(): void {
  for (const [name, teardown] of [...owned]) {
    owned.delete(name);
    try {
      teardown();
    } catch (err) {
      process.stderr.write(`lab ${name}: teardown failed: ${String(err)}\n`);
    }
  }
}

function onSignal(signal: NodeJS.Signals): void {
  tearDownAll();
  uninstall();
  process.kill(process.pid, signal);
}

const handlers = {
  SIGINT: () => onSignal('SIGINT'),
  SIGTERM: () => onSignal('SIGTERM'),
  SIGHUP: () => onSignal('SIGHUP'),
};

function install(): void {
  for (const [signal, handler] of Object.entries(handlers)) process.on(signal, handler);
  process.on('exit', tearDownAll);
}

function uninstall(): void {
  for (const [signal, handler] of Object.entries(handlers)) process.off(signal, handler);
  process.off('exit', tearDownAll);
}

/** `teardown` must be synchronous and read the lab's latest state when called (the latest pids). */
export function guardLab(name: string, teardown: () => void): void {
  if (owned.size === 0) install();
  owned.set(name, teardown);
}

export function unguardLab(name: string): void {
  if (!owned.delete(name)) return;
  if (owned.size === 0) uninstall();
}
