// The platform module of this build. In the repository (loaded unpacked in
// Chromium) it is Chromium's; ./build.sh writes Firefox's package's copy to
// export './firefox.js' instead.
export * from './chromium.js';
