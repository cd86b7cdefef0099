/** What the guest does, shared by the guest program and the host test that times it. */
export const guestPlan = {
  /** Phase 1: raw device, set/read back, keep-alives, magic close. */
  firstTimeoutS: 3,
  /** Phase 2: the multiplexer on the kernel device, a client that falls silent. */
  muxTimeoutS: 3,
  deadlineMs: 2000,
  checkInEveryMs: 500,
};
