// Plans and changes made fit to print or send: secret values redacted, file contents left out.
// Pure. The field-by-field diff of two specs lives with the host model (desired/spec-diff.ts).

import { CONTENT_NOT_SHOWN, REDACTED, Redactor } from '../desired/secrets.js';
import type { ResourceChange, Step } from './steps.js';

export { REDACTED };
export { diffContainerSpecs, render, sameValue } from '../desired/spec-diff.js';

/**
 * A copy of the plan fit to print or send: secret env values hidden by key, every secret value
 * hidden wherever it appears (inside commands, URLs, labels ...), file contents left out (host
 * files, the commit's files placed in project directories, and the secrets and configs written
 * into containers).
 */
export function redactPlan<P extends { steps: readonly Step[]; changes?: readonly ResourceChange[] }>(plan: P, secrets: readonly string[] = []): P {
  const redactor = new Redactor(secrets);
  const steps = plan.steps.map((step): Step => {
    if (step.kind === 'writeFile') return { ...step, file: { ...step.file, contentBase64: CONTENT_NOT_SHOWN } };
    if (step.kind === 'placeProjectFile') return { ...step, file: { ...step.file, contentBase64: CONTENT_NOT_SHOWN } };
    if (step.kind !== 'createContainer' || (step.spec.secretEnv.length === 0 && step.spec.files.length === 0)) return step;
    const env = { ...step.spec.env };
    for (const key of step.spec.secretEnv) if (key in env) env[key] = REDACTED;
    const files = step.spec.files.map((f) => ({ ...f, contentBase64: CONTENT_NOT_SHOWN }));
    return { ...step, spec: { ...step.spec, env, files } };
  });
  const out = { ...plan, steps: redactor.empty ? steps : redactor.deep(steps) };
  if (plan.changes && !redactor.empty) out.changes = redactor.deep(plan.changes);
  return out;
}

/** Changes with every secret value hidden: what is stored, sent upstream and printed. */
export function redactChanges(changes: ResourceChange[], secrets: readonly string[] = []): ResourceChange[] {
  const redactor = new Redactor(secrets);
  return redactor.empty ? changes : redactor.deep(changes);
}
