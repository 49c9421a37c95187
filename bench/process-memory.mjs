import { readFile, readdir } from 'node:fs/promises';

// Memory of a browser's processes, read from /proc, in bytes: RSS, which
// counts a page shared by several processes (the browser's libraries, its
// shared memory) once in each, and PSS (proportional set size, from
// smaps_rollup), which splits each shared page among the processes that
// map it, so that the PSS of all the processes adds up to the memory they
// take together.

/** The processes under `root`, by pid ({ comm, rss }): `root` itself when
 * `withRoot`, and none whose name matches `skip` (nor, then, theirs). */
export async function processTree(root, { withRoot = true, skip = null } = {}) {
  const procs = new Map();
  for (const name of await readdirSafe('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const s = await readFile(`/proc/${name}/stat`, 'utf8');
      const close = s.lastIndexOf(')');
      const fields = s.slice(close + 2).split(' ');
      procs.set(Number(name), { comm: s.slice(s.indexOf('(') + 1, close), ppid: Number(fields[1]), rss: Number(fields[21]) * 4096 });
    } catch { /* gone */ }
  }
  const children = new Map();
  for (const [pid, p] of procs) children.set(p.ppid, [...(children.get(p.ppid) || []), pid]);
  const found = new Map();
  const stack = withRoot ? [root] : [...(children.get(root) || [])];
  while (stack.length) {
    const pid = stack.pop();
    const p = procs.get(pid);
    if (!p || (skip && skip.test(p.comm))) continue;
    found.set(pid, p);
    stack.push(...(children.get(pid) || []));
  }
  return found;
}

/** The RSS of every process in `tree`, summed. */
export const totalRss = (tree) => [...tree.values()].reduce((n, p) => n + p.rss, 0);

/** The PSS of every process in `tree`, summed (processes gone are 0). */
export async function totalPss(tree) {
  let sum = 0;
  for (const pid of tree.keys()) {
    try {
      const rollup = await readFile(`/proc/${pid}/smaps_rollup`, 'utf8');
      sum += Number(/^Pss:\s+(\d+) kB/m.exec(rollup)?.[1] || 0) * 1024;
    } catch { /* gone */ }
  }
  return sum;
}

// PSS is dearer to read (the kernel walks every mapping): every fourth
// sample only, so that the sampling does not slow what it measures.
const PSS_EVERY = 4;

/** Samples `readTree()` every 250 ms until `stop()`, which gives the peak
 * of the summed RSS, each process's own peak RSS ({ comm, peak } by pid)
 * and the peak of the summed PSS (sampled every second). */
export function memorySampler(readTree) {
  let peak = 0;
  let pssPeak = 0;
  const each = new Map();
  let running = true;
  const loop = (async () => {
    for (let i = 0; running; i++) {
      const tree = await readTree();
      for (const [pid, p] of tree) {
        const seen = each.get(pid) || { comm: p.comm, peak: 0 };
        seen.peak = Math.max(seen.peak, p.rss);
        each.set(pid, seen);
      }
      peak = Math.max(peak, totalRss(tree));
      if (i % PSS_EVERY === 0) pssPeak = Math.max(pssPeak, await totalPss(tree));
      await new Promise((r) => setTimeout(r, 250));
    }
  })();
  return { stop: async () => { running = false; await loop; return { peak, pssPeak, each }; } };
}

async function readdirSafe(dir) {
  try { return await readdir(dir); } catch { return []; }
}
