// A node:test reporter that prints, once every test has run, the real failures
// with their messages and the diagnostics their tests printed, as TAP comments.
// The TAP stream puts a failure's message where it happened, among hundreds of
// passing tests and behind the expected "not ok ... # TODO" lines; a log cut to
// its head and tail then shows no cause. This summary is the tail.
//   node --test --test-reporter=tap --test-reporter-destination=stdout \
//     --test-reporter=./tests/lib/failure-summary.mjs --test-reporter-destination=stdout

const LINES = 12; // of each error's message
const FRAMES = 3; // of its stack, the test's own frames only

function describeError(error) {
  const cause = error?.failureType === 'testCodeFailure' || error?.failureType === 'hookFailed' ? error.cause ?? error : error;
  if (!(cause instanceof Error)) return [String(cause)];
  const message = `${cause.name}: ${cause.message}`.split('\n').filter(Boolean).slice(0, LINES);
  const frames = (cause.stack ?? '').split('\n').filter((l) => /^\s+at /.test(l) && /file:\/\//.test(l)).slice(0, FRAMES);
  return [...message, ...frames.map((l) => l.trim())];
}

export default async function* failureSummary(source) {
  const failures = [];
  const diagnostics = new Map(); // file → diagnostics printed by its tests
  const names = []; // the names of the suites around the current test, by nesting
  for await (const { type, data } of source) {
    if (type === 'test:start') names[data.nesting] = data.name;
    if (type === 'test:diagnostic' && data.file && data.nesting > 0) {
      if (!diagnostics.has(data.file)) diagnostics.set(data.file, []);
      diagnostics.get(data.file).push(data.message);
    }
    if (type !== 'test:fail' || data.todo || data.skip) continue;
    // A suite fails when its tests do; the tests carry the cause.
    if (data.details?.error?.failureType === 'subtestsFailed') continue;
    failures.push({ ...data, path: [...names.slice(0, data.nesting), data.name].join(' › ') });
  }
  if (!failures.length) return;
  const out = [`\n# ${failures.length} failing test(s), with their errors:`];
  for (const f of failures) {
    out.push(`# ✖ ${f.path}  (${f.file ?? '?'}${f.line ? `:${f.line}` : ''})`);
    for (const line of describeError(f.details?.error)) out.push(`#     ${line}`);
    for (const message of diagnostics.get(f.file) ?? []) out.push(`#   diagnostic of that file: ${message}`);
  }
  yield `${out.join('\n')}\n`;
}
