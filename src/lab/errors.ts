/** A lab option or argument is invalid: the caller's mistake, reported as a usage error. */
export class LabOptionError extends Error {
  override name = 'LabOptionError';
}

/** The lab asked for is not up (never was, or was torn down). */
export class LabNotUpError extends Error {
  override name = 'LabNotUpError';
}
