/** The three log levels the watchdog and daemon code write; a winston logger fits, and tests capture lines. */
export interface LogSink {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}
