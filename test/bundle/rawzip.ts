// Test fixture: a raw zip writer that can lie (bad names, sizes, flags, modes), which yazl refuses to do.
import { crc32, deflateRawSync } from 'node:zlib';

/** One entry of a hand-made zip. Every header field can be overridden to build hostile archives. */
export type RawEntry = {
  /** Entry name as stored (a string is written as UTF-8 with the UTF-8 flag set). */
  name: string;
  data?: Buffer | string;
  /** 0 stored (default) or 8 deflate; the data is compressed accordingly. */
  method?: 0 | 8;
  /** Compression method written in the headers (defaults to `method`). */
  declaredMethod?: number;
  /** Uncompressed size written in the headers (defaults to the real size). */
  declaredSize?: number;
  /** Compressed size written in the headers (defaults to the real compressed size). */
  declaredCompressedSize?: number;
  /** CRC-32 written in the headers (defaults to the real one). */
  crc?: number;
  /** Extra general-purpose flag bits, e.g. 0x1 (encrypted). */
  flags?: number;
  /** Unix mode stored in the high 16 bits of the external attributes, e.g. 0o120777 for a symlink. */
  unixMode?: number;
};

const DOS_DATE_1980_01_01 = 0x21;
const UTF8_FLAG = 0x800;

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(n);
  return b;
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0);
  return b;
}

/**
 * Build a zip file (local headers, data, central directory, end record) from raw entries.
 *
 * @example
 * const zip = rawZip([{ name: '../evil', data: 'x' }]);
 */
export function rawZip(entries: RawEntry[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const data = typeof e.data === 'string' ? Buffer.from(e.data) : (e.data ?? Buffer.alloc(0));
    const method = e.method ?? 0;
    const stored = method === 8 ? deflateRawSync(data) : data;
    const name = Buffer.from(e.name, 'utf8');
    const flags = UTF8_FLAG | (e.flags ?? 0);
    const fields = [
      u16(flags),
      u16(e.declaredMethod ?? method),
      u16(0), // time 00:00
      u16(DOS_DATE_1980_01_01),
      u32(e.crc ?? crc32(data)),
      u32(e.declaredCompressedSize ?? stored.length),
      u32(e.declaredSize ?? data.length),
      u16(name.length),
      u16(0), // extra field length
    ];
    const local = Buffer.concat([u32(0x04034b50), u16(20), ...fields, name, stored]);
    const unixHost = (3 << 8) | 20;
    const mode = e.unixMode ?? (e.name.endsWith('/') ? 0o040755 : 0o100644);
    centrals.push(
      Buffer.concat([
        u32(0x02014b50),
        u16(unixHost),
        u16(20),
        ...fields,
        u16(0), // comment length
        u16(0), // disk number start
        u16(0), // internal attributes
        u32(mode * 0x10000),
        u32(offset),
        name,
      ]),
    );
    locals.push(local);
    offset += local.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.concat([
    u32(0x06054b50),
    u16(0),
    u16(0),
    u16(entries.length),
    u16(entries.length),
    u32(directory.length),
    u32(offset),
    u16(0),
  ]);
  return Buffer.concat([...locals, directory, end]);
}
