// Memory of a browser: RSS summed over the browser process and all its
// descendants, read from /proc, sampled at about 10 Hz.
import { readdirSync, readFileSync } from 'node:fs';

function children() {
  const byParent = new Map();
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (!byParent.has(ppid)) byParent.set(ppid, []);
      byParent.get(ppid).push(Number(pid));
    } catch {
      // the process ended while we looked
    }
  }
  return byParent;
}

/** RSS in bytes of `root` and every descendant. */
export function treeRss(root) {
  const byParent = children();
  let total = 0;
  const stack = [root];
  while (stack.length) {
    const pid = stack.pop();
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (m) total += Number(m[1]) * 1024;
    } catch {
      // gone
    }
    stack.push(...(byParent.get(pid) || []));
  }
  return total;
}

/** Samples `treeRss(root)` every 100 ms until `stop()`; returns {baseline, peak, growth}. */
export function sampleMemory(root) {
  const baseline = treeRss(root);
  let peak = baseline;
  const timer = setInterval(() => {
    peak = Math.max(peak, treeRss(root));
  }, 100);
  return {
    stop() {
      clearInterval(timer);
      peak = Math.max(peak, treeRss(root));
      return { baseline, peak, growth: peak - baseline };
    },
  };
}

/**
 * Waits until `root`'s memory has stopped falling (two samples a second apart
 * within 16 MiB), at most `maxMs`: a browser frees what the previous run held
 * over seconds, and a baseline taken meanwhile would charge that to the next run.
 */
export async function settle(root, maxMs = 30_000) {
  const end = Date.now() + maxMs;
  let last = treeRss(root);
  while (Date.now() < end) {
    await new Promise((r) => setTimeout(r, 1000));
    const now = treeRss(root);
    if (Math.abs(now - last) < 16 * 1048576) return now;
    last = now;
  }
  return last;
}
