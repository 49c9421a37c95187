import { readFile, readdir } from 'node:fs/promises';

// Memory of a browser's processes, read from /proc: RSS in bytes.

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

/** Samples `readTree()` every 250 ms until `stop()`, which gives the peak
 * of the sum and each process's own peak ({ comm, peak } by pid). */
export function memorySampler(readTree) {
  let peak = 0;
  const each = new Map();
  let running = true;
  const loop = (async () => {
    while (running) {
      const tree = await readTree();
      for (const [pid, p] of tree) {
        const seen = each.get(pid) || { comm: p.comm, peak: 0 };
        seen.peak = Math.max(seen.peak, p.rss);
        each.set(pid, seen);
      }
      peak = Math.max(peak, totalRss(tree));
      await new Promise((r) => setTimeout(r, 250));
    }
  })();
  return { stop: async () => { running = false; await loop; return { peak, each }; } };
}

async function readdirSafe(dir) {
  try { return await readdir(dir); } catch { return []; }
}
