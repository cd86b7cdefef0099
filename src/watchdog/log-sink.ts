/** The three log levels the watchdog code writes; a winston logger fits, and tests capture lines. */
export interface LogSink {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}
