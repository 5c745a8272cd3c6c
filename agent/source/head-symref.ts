// Works around an isomorphic-git fetch failure ("Could not find HEAD") when the server's
// HEAD names a branch that does not exist, common in a repo of hosts/* branches only.

import type { GitHttpResponse, HttpClient } from 'isomorphic-git';

/**
 * Rewrites a protocol-v1 ref advertisement that lacks `symref=HEAD:` so that it says HEAD is
 * `fullRef`. isomorphic-git only uses that to report a default branch, which moor ignores.
 */
export function addHeadSymref(advertisement: Buffer, fullRef: string): Buffer {
  let at = 0;
  let flushes = 0;
  // Skip "# service=git-upload-pack" and its flush: the first ref line follows.
  while (at + 4 <= advertisement.length) {
    const len = Number.parseInt(advertisement.subarray(at, at + 4).toString('ascii'), 16);
    if (Number.isNaN(len)) return advertisement;
    if (len === 0) {
      flushes += 1;
      at += 4;
      if (flushes > 1) return advertisement;
      continue;
    }
    const line = advertisement.subarray(at + 4, at + len).toString('utf8');
    if (line.startsWith('# service=')) {
      at += len;
      continue;
    }
    const nul = line.indexOf('\0');
    if (nul < 0 || line.includes('symref=HEAD:')) return advertisement;
    const text = line.replace(/\n$/, '') + ` symref=HEAD:${fullRef}\n`;
    const bytes = Buffer.from(text, 'utf8');
    const header = Buffer.from((bytes.length + 4).toString(16).padStart(4, '0'), 'ascii');
    return Buffer.concat([advertisement.subarray(0, at), header, bytes, advertisement.subarray(at + len)]);
  }
  return advertisement;
}

export function withHeadSymref(client: HttpClient, fullRef: string): HttpClient {
  return {
    async request(req): Promise<GitHttpResponse> {
      const res = await client.request(req);
      const isAdvert = (req.method ?? 'GET') === 'GET' && req.url.includes('/info/refs?service=git-upload-pack');
      const type = res.headers?.['content-type'] ?? '';
      if (!isAdvert || res.statusCode !== 200 || !type.includes('git-upload-pack-advertisement') || !res.body) return res;
      const parts: Buffer[] = [];
      for await (const chunk of res.body) parts.push(Buffer.from(chunk));
      const fixed = addHeadSymref(Buffer.concat(parts), fullRef);
      return {
        ...res,
        body: (async function* () {
          yield fixed;
        })(),
      };
    },
  };
}
