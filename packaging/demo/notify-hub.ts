// The demo config repo's post-receive hook: tells the hub which branches moved, signed like a
// GitHub push webhook, so that the host syncs at once instead of at its next poll.

import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';

const [url, secretFile] = process.argv.slice(2);
if (!url || !secretFile) throw new Error('usage: notify-hub URL SECRET_FILE < post-receive input');
const secret = readFileSync(secretFile, 'utf8').trim();
const lines = readFileSync(0, 'utf8').trim().split('\n').filter(Boolean);
for (const line of lines) {
  const [, after, ref] = line.split(' ');
  const body = JSON.stringify({ ref, after });
  const signature = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-hub-signature-256': signature },
    body,
  }).catch((err: unknown) => ({ status: 0, statusText: String(err) }));
  process.stdout.write(`moor hub notified of ${ref}: HTTP ${res.status}\n`);
}
