// Files moor writes into a container after create (secrets and configs whose source is a .env
// variable, as docker compose copies them in): a small ustar archive for `PUT .../archive`.
import { Buffer } from 'node:buffer';
import { posix } from 'node:path';
import type { ContainerFileSpec } from '../../desired/model.js';

const BLOCK = 512;

/** A tar archive, rooted at `/`, holding each file at its target with its mode and owner. */
export function containerFilesTar(files: readonly ContainerFileSpec[]): Buffer {
  const parts: Buffer[] = [];
  for (const f of files) {
    const content = Buffer.from(f.contentBase64, 'base64');
    parts.push(header(f.target.replace(/^\/+/, ''), content.length, f), content, Buffer.alloc((BLOCK - (content.length % BLOCK)) % BLOCK));
  }
  parts.push(Buffer.alloc(BLOCK * 2));
  return Buffer.concat(parts);
}

function header(name: string, size: number, f: ContainerFileSpec): Buffer {
  const h = Buffer.alloc(BLOCK);
  // ustar splits long names into prefix (155) and name (100).
  const [prefix, base] = name.length <= 100 ? ['', name] : [posix.dirname(name), posix.basename(name)];
  h.write(base, 0, 100, 'utf8');
  octal(h, 100, 8, f.mode & 0o7777);
  octal(h, 108, 8, numericId(f.uid));
  octal(h, 116, 8, numericId(f.gid));
  octal(h, 124, 12, size);
  octal(h, 136, 12, 0);
  h.write('        ', 148, 8, 'ascii');
  h.write('0', 156, 1, 'ascii');
  h.write('ustar\u000000', 257, 8, 'binary');
  h.write(prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const byte of h) sum += byte;
  octal(h, 148, 7, sum);
  return h;
}

function octal(buf: Buffer, offset: number, length: number, value: number): void {
  buf.write(value.toString(8).padStart(length - 1, '0'), offset, length - 1, 'ascii');
}

function numericId(id: string): number {
  return /^\d+$/.test(id) ? Number(id) : 0;
}
