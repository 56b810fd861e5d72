// The WebExtension API object in both browsers (promise-based in MV3).
export const ext = globalThis.browser ?? globalThis.chrome;

