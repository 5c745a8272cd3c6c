// Files moor writes into a container after create (secrets and configs whose source is a .env
// variable, as docker compose copies them in): a tar archive for `PUT .../archive`.
import { Buffer } from 'node:buffer';
import { buffer } from 'node:stream/consumers';
import { pack } from 'tar-stream';
import type { ContainerFileSpec } from '../../desired/model.js';

/** A tar archive, rooted at `/`, holding each file at its target with its mode and owner. */
export async function containerFilesTar(files: readonly ContainerFileSpec[]): Promise<Buffer> {
  const archive = pack();
  const collected = buffer(archive);
  for (const f of files) {
    const content = Buffer.from(f.contentBase64, 'base64');
    archive.entry(
      { name: f.target.replace(/^\/+/, ''), type: 'file', mode: f.mode & 0o7777, uid: numericId(f.uid), gid: numericId(f.gid), size: content.length, mtime: new Date(0) },
      content,
    );
  }
  archive.finalize();
  return collected;
}

/** A name (not a number) cannot go into the tar header's numeric field; root owns it then. */
function numericId(id: string): number {
  return /^\d+$/.test(id) ? Number(id) : 0;
}
