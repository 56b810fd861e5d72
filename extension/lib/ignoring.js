// Failures ignored on purpose still leave a trace: what was ignored, and the error.

/** A rejection handler that logs `what` failed and goes on (the caller says why that is fine). */
export const ignoring = (what) => (err) => console.debug(`Cloak ignored a failure (${what}):`, err);
