// The WebExtension API object in both browsers (promise-based in MV3).
export const ext = globalThis.browser ?? globalThis.chrome;

/**
 * Whether Files may be read into a reused buffer (BYOB) in this browser's
 * workers: in Firefox, whose Blob streams have read 8 GiB that way in one
 * worker; not in Chromium, where they stall (shared/staging.js). Firefox is the
 * browser with `runtime.getBrowserInfo`, which no user-agent string can fake.
 */
export const reusedFileReads = typeof ext?.runtime?.getBrowserInfo === 'function';
