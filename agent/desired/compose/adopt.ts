// moor's own top-level compose extension, `x-moor: { adopt: true }`: take over the docker
// compose project of the same name (its volumes and networks reused, its containers replaced).
import { z } from 'zod';
import { isRecord } from './interpolate.js';
import type { Locator, ProblemList } from '../../config-text/problems.js';

const topLevelMoor = z.strictObject({ adopt: z.boolean().optional() });

/** Whether the merged compose tree asks to adopt a running docker compose project. */
export function adoptOf(merged: unknown, locator: Locator, problems: ProblemList): boolean {
  if (!isRecord(merged) || merged['x-moor'] === undefined) return false;
  return problems.parse(topLevelMoor, merged['x-moor'], locator, ['x-moor'])?.adopt ?? false;
}
