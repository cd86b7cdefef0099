import winston from 'winston';
import { stderrIsJournal, withPriority } from './journal-stream';

/**
 * QUORATE_LOG_MONOTONIC=1 prefixes each line with monotonic seconds (the lab sets it, so the
 * logs of every host and the benchmark's journal line up; journald adds wall-clock time itself).
 */
function stamp(): string {
  return process.env.QUORATE_LOG_MONOTONIC === '1' ? `${(Number(process.hrtime.bigint() / 1_000_000n) / 1000).toFixed(3)} ` : '';
}

/**
 * Structured logs: one line per event, fit for journald (which adds its own timestamps) or a
 * terminal. Under systemd, with stderr the journal, each line carries its syslog priority, so
 * `journalctl -p warning` filters. QUORATE_LOG_LEVEL overrides the level.
 */
export function createLogger(component: string, level = process.env.QUORATE_LOG_LEVEL ?? 'info'): winston.Logger {
  const journal = stderrIsJournal();
  return winston.createLogger({
    level,
    defaultMeta: { component },
    format: winston.format.combine(
      winston.format.printf(({ level: lvl, message, component: comp, ...meta }) => {
        const extra = Object.keys(meta).length > 0 ? ` ${JSON.stringify(meta)}` : '';
        const line = `${stamp()}${lvl} [${String(comp)}] ${String(message)}${extra}`;
        return journal ? withPriority(lvl, line) : line;
      }),
    ),
    transports: [new winston.transports.Console({ stderrLevels: ['error', 'warn', 'info', 'debug'] })],
  });
}
