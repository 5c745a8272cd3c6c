// Builds a compose service's image on the host from its context in the project directory
// (dockerode packs the listed files), and reads back which build an image came from.

import { readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type Dockerode from 'dockerode';
import { DockerError } from '../../contracts/errors.js';
import { statusOf, toDockerError } from './docker-errors.js';

/** Label of a built image: the hash of the build (context, dockerfile, args, target) it came from. */
export const BUILD_HASH_LABEL = 'moor.build-hash';

export interface BuildRequest {
  tag: string;
  /** Absolute path of the context folder. */
  contextDir: string;
  /** Files of the context, relative to it; null: the host's context, packed as it is on disk. */
  files: string[] | null;
  dockerfile: string;
  args: Record<string, string>;
  target: string | null;
  labels: Record<string, string>;
}

/** How many lines of the build's output a failure carries. */
const LOG_LINES = 20;

/** The build hash an image carries, or null when the image is absent or was not built by moor. */
export async function builtImageHash(docker: Dockerode, ref: string): Promise<string | null> {
  try {
    const info = await docker.getImage(ref).inspect();
    return info.Config?.Labels?.[BUILD_HASH_LABEL] ?? null;
  } catch (err) {
    if (statusOf(err) === 404) return null;
    throw toDockerError(err, 'inspect', { image: ref });
  }
}

export async function buildImage(docker: Dockerode, req: BuildRequest): Promise<void> {
  const src = req.files ?? (await hostContextFiles(req));
  let stream: NodeJS.ReadableStream;
  try {
    stream = await docker.buildImage(
      { context: req.contextDir, src },
      {
        t: req.tag,
        dockerfile: req.dockerfile,
        buildargs: req.args,
        labels: req.labels,
        rm: true,
        forcerm: true,
        ...(req.target === null ? {} : { target: req.target }),
      },
    );
  } catch (err) {
    throw toDockerError(err, 'build', { image: req.tag });
  }
  const lines = await followBuild(stream);
  if (lines.error !== null) {
    const last = lines.tail.slice(-3).join(' | ');
    throw new DockerError('BUILD_FAILED', `building ${req.tag} failed: ${lines.error}${last ? ` (last output: ${last})` : ''}`, {
      // The context and Dockerfile come from the commit: a failed build fails the commit.
      handling: 'commit',
      data: { image: req.tag, log: lines.tail },
    });
  }
}

/** Every file of a context the host holds; a missing one fails the commit that names it. */
async function hostContextFiles(req: BuildRequest): Promise<string[]> {
  try {
    const entries = await readdir(req.contextDir, { recursive: true, withFileTypes: true });
    return entries.filter((e) => !e.isDirectory()).map((e) => relative(req.contextDir, join(e.parentPath, e.name)));
  } catch (err) {
    throw new DockerError('BUILD_FAILED', `building ${req.tag} failed: its context ${req.contextDir} is not in the commit and cannot be read on the host`, {
      handling: 'commit',
      cause: err,
      data: { image: req.tag },
    });
  }
}

/** Reads a build's JSON stream to its end: the last lines of output, and its error if any. */
async function followBuild(stream: NodeJS.ReadableStream): Promise<{ tail: string[]; error: string | null }> {
  const tail: string[] = [];
  let error: string | null = null;
  let buf = '';
  const take = (line: string): void => {
    if (line.trim() === '') return;
    let event: unknown;
    try {
      event = JSON.parse(line);
    } catch {
      return;
    }
    if (typeof event !== 'object' || event === null) return;
    if ('stream' in event && typeof event.stream === 'string') {
      for (const l of event.stream.split('\n')) if (l.trim() !== '') tail.push(l);
      tail.splice(0, Math.max(0, tail.length - LOG_LINES));
    }
    if ('error' in event) error = String(event.error).trim();
  };
  for await (const chunk of stream) {
    buf += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      take(buf.slice(0, nl));
      buf = buf.slice(nl + 1);
    }
  }
  take(buf);
  return { tail, error };
}
