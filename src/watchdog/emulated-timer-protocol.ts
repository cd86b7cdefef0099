/**
 * The lab timer's socket: the opener sends {"op":"open"} and gets this greeting as a Reply; then
 * {"op":"settimeout","seconds":N}, {"op":"keepalive"} and {"op":"magicclose"}, unanswered, in
 * order, like ioctls and writes on /dev/watchdog.
 */
export interface EmulatedTimerGreeting {
  /** The timeout the timer counts down from now. */
  timeoutSeconds: number;
  /** WDIOF_CARDRESET when the host's last boot followed a reset by this timer, else 0. */
  bootStatus: number;
}

export const emulatedTimerIdentity = 'quorate lab watchdog';
/** WDIOF_SETTIMEOUT | WDIOF_MAGICCLOSE | WDIOF_KEEPALIVEPING (linux/watchdog.h). */
export const emulatedTimerSupport = 0x0080 | 0x0100 | 0x8000;
/** The range the kernel's watchdog core accepts for softdog. */
export const maxEmulatedTimeoutSeconds = 65535;
