/** CS_TRACK_* (corotypes.h) for quorum and votequorum trackStart. */
export const TrackFlags = {
  /** Deliver the current state once at once. */
  current: 0x01,
  /** Deliver every change. */
  changes: 0x02,
  changesOnly: 0x04,
} as const;

export const trackCurrentAndChanges = TrackFlags.current | TrackFlags.changes;
