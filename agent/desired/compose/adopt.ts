// Taking over the docker compose project of the same name (its volumes and networks reused, its
// containers replaced): asked by moor's top-level compose extension `x-moor: { adopt: true }`, or
// by `adopt:` in moor.yaml (`true`, or a list that must name the commit's project).
import { z } from 'zod';
import { isRecord } from './interpolate.js';
import type { Manifest } from '../manifest.js';
import type { Locator, ProblemList } from '../../config-text/problems.js';

const topLevelMoor = z.strictObject({ adopt: z.boolean().optional() });

/** Whether the merged compose tree asks to adopt a running docker compose project. */
export function adoptOf(merged: unknown, locator: Locator, problems: ProblemList): boolean {
  if (!isRecord(merged) || merged['x-moor'] === undefined) return false;
  return problems.parse(topLevelMoor, merged['x-moor'], locator, ['x-moor'])?.adopt ?? false;
}

/** Whether moor.yaml's `adopt:` takes over `project`; a list naming another project is an error. */
export function manifestAdopts(adopt: Manifest['adopt'], project: string, locator: Locator, problems: ProblemList): boolean {
  if (adopt === null) return false;
  if (adopt.projects === null) return true;
  adopt.projects.forEach((name, i) => {
    if (name !== project) problems.add(locator, [...adopt.at, i], `"${name}" is not this commit's compose project ("${project}"): adopt lists the projects to take over, or say adopt: true`);
  });
  return adopt.projects.includes(project);
}
