// Shoots made on the fly: many small JPEGs of varied aspect ratios, written
// in a fraction of a second, for the tests of large galleries.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

// Luminance DC table of ITU T.81 Annex K.3 (categories 0-11), and its codes.
const DC_BITS = [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0];
const DC_CODES = ['00', '010', '011', '100', '101', '110', '1110', '11110', '111110', '1111110', '11111110', '111111110'];

/**
 * A baseline JPEG, `width` × `height`, of one grey `level` (0-255): a single
 * component whose blocks carry only a DC coefficient, with an AC table that
 * holds nothing but end-of-block.
 */
export function greyJpeg(width, height, level) {
  const out = [0xff, 0xd8];
  const u16 = (n) => [n >> 8, n & 0xff];
  const segment = (marker, body) => out.push(0xff, marker, ...u16(body.length + 2), ...body);
  segment(0xdb, [0x00, 8, ...new Array(63).fill(1)]); // DC quantised by 8
  segment(0xc0, [8, ...u16(height), ...u16(width), 1, 1, 0x11, 0]);
  segment(0xc4, [0x00, ...DC_BITS, ...DC_CODES.map((_, i) => i)]);
  segment(0xc4, [0x10, 1, ...new Array(15).fill(0), 0x00]); // AC: end-of-block is "0"
  segment(0xda, [1, 1, 0x00, 0, 63, 0]);
  const blocks = Math.ceil(width / 8) * Math.ceil(height / 8);
  const diff = Math.max(-128, Math.min(127, level - 128)); // the first block's DC; the others repeat it
  const category = diff === 0 ? 0 : Math.abs(diff).toString(2).length;
  const extra = category === 0 ? '' : (diff > 0 ? diff : diff + (1 << category) - 1).toString(2).padStart(category, '0');
  let bits = DC_CODES[category] + extra + '0' + '000'.repeat(blocks - 1);
  bits += '1'.repeat((8 - (bits.length % 8)) % 8);
  for (let i = 0; i < bits.length; i += 8) {
    const byte = parseInt(bits.slice(i, i + 8), 2);
    out.push(byte);
    if (byte === 0xff) out.push(0x00);
  }
  out.push(0xff, 0xd9);
  return Buffer.from(out);
}

// Landscape, portrait, square, panorama and tall: the grid's columns differ.
const SIZES = [[96, 64], [64, 96], [80, 80], [128, 48], [48, 112], [96, 72], [72, 96], [120, 64]];

/**
 * Writes a shoot at `dir`: `albums` is a list of [folder, count] ('' for
 * the top of the shoot). Returns the file names per album, in that order.
 */
export async function manyPhotosShoot(dir, albums) {
  const names = [];
  let made = 0;
  for (const [folder, count] of albums) {
    const at = path.join(dir, folder);
    await mkdir(at, { recursive: true });
    const album = [];
    for (let i = 0; i < count; i++, made++) {
      const [w, h] = SIZES[made % SIZES.length];
      const name = `${folder || 'P'}${String(i + 1).padStart(4, '0')}.jpg`;
      await writeFile(path.join(at, name), greyJpeg(w, h, 30 + ((made * 37) % 190)));
      album.push(name);
    }
    names.push(album);
  }
  return names;
}
