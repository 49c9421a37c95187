// A static server for the benchmarks, in this process: a built site's
// files, plus files served from memory and handlers of the bench's own
// (bench/unattended.mjs). It is not the limit of a download figure: curl
// fetched a 1 GiB file from it at 1.3 GB/s, and from python3's http.server
// at 1.0-1.8 GB/s.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm', '.json': 'application/json', '.txt': 'text/plain; charset=utf-8',
};

/**
 * Serves folder `site` on 127.0.0.1. `extras` maps a path ("/auto.js") to
 * text served in its place; `handlers` maps a path prefix to
 * `(req, res, rest)`. Returns { origin, url (index.html), close() }.
 */
export async function serveSite(site, { extras = {}, handlers = {} } = {}) {
  const root = path.resolve(site);
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://localhost');
    const prefix = Object.keys(handlers).find((p) => url.pathname.startsWith(p));
    if (prefix) { handlers[prefix](req, res, url.pathname.slice(prefix.length)); return; }
    if (Object.hasOwn(extras, url.pathname)) {
      res.writeHead(200, { 'Content-Type': typeOf(url.pathname) }).end(extras[url.pathname]);
      return;
    }
    sendFile(root, decodeURIComponent(url.pathname), res);
  });
  server.keepAliveTimeout = 60_000;
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${server.address().port}`;
  return {
    origin,
    url: `${origin}/index.html`,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); }),
  };
}

const typeOf = (name) => TYPES[path.extname(name)] || 'application/octet-stream';

async function sendFile(root, name, res) {
  const file = path.join(root, path.normalize(name));
  if (!file.startsWith(root + path.sep)) { res.writeHead(403).end(); return; }
  let info;
  try { info = await stat(file); } catch { info = null; }
  if (!info || !info.isFile()) { res.writeHead(404).end(); return; }
  res.writeHead(200, { 'Content-Type': typeOf(file), 'Content-Length': info.size });
  createReadStream(file, { highWaterMark: 1 << 20 }).on('error', () => res.destroy()).pipe(res);
}
