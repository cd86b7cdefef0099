import winston from 'winston';

/**
 * Structured logs: one line per event, fit for journald (which adds its own timestamps) or a
 * terminal. QUORATE_LOG_LEVEL overrides the level.
 */
export function createLogger(component: string, level = process.env.QUORATE_LOG_LEVEL ?? 'info'): winston.Logger {
  return winston.createLogger({
    level,
    defaultMeta: { component },
    format: winston.format.combine(
      winston.format.printf(({ level: lvl, message, component: comp, ...meta }) => {
        const extra = Object.keys(meta).length > 0 ? ` ${JSON.stringify(meta)}` : '';
        return `${lvl} [${String(comp)}] ${String(message)}${extra}`;
      }),
    ),
    transports: [new winston.transports.Console({ stderrLevels: ['error', 'warn', 'info', 'debug'] })],
  });
}
