// The theme's static files as lightproof embeds them: viewer.js is written
// as parts (themes/default/static/viewer/*.js) that src/site.rs joins in
// name order.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const STATIC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'themes', 'default', 'static');

/** The bytes of static file `name` (viewer.js, style.css, viewer.wasm). */
export async function readThemeFile(name) {
  if (name !== 'viewer.js') return readFile(path.join(STATIC, name));
  const dir = path.join(STATIC, 'viewer');
  const parts = (await readdir(dir)).filter((part) => part.endsWith('.js')).sort();
  return Buffer.concat(await Promise.all(parts.map((part) => readFile(path.join(dir, part)))));
}
