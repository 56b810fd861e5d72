// Polling for a condition the browser or the server reaches in its own time.

/**
 * Calls `check()` every `everyMs` until it returns something truthy, which is
 * returned, or until `ms` have passed; then returns its last value.
 */
export async function waitFor(check, ms, everyMs = 150) {
  const end = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value || Date.now() >= end) return value;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
