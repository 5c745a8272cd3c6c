// Accumulates steps and explanations while the planner walks the resources; keeps step ids unique.

import type { Plan, ResourceChange, Step } from './steps.js';

/** A step before it gets its id: the builder derives `id` from kind and resource. */
export type StepDraft = Step extends infer S ? (S extends Step ? Omit<S, 'id' | 'after'> : never) : never;

export class PlanBuilder {
  private readonly steps: Step[] = [];
  private readonly changes: ResourceChange[] = [];
  private readonly ids = new Set<string>();

  add(draft: StepDraft, after: readonly (string | null | undefined)[] = []): string {
    let id = `${draft.kind}:${draft.resource}`;
    for (let n = 2; this.ids.has(id); n++) id = `${draft.kind}:${draft.resource}#${n}`;
    this.ids.add(id);
    const deps = [...new Set(after.filter((a): a is string => typeof a === 'string'))];
    this.steps.push({ ...draft, id, after: deps } as Step);
    return id;
  }

  /** Adds a dependency to an existing step (used once all steps are known). */
  require(stepId: string, after: string): void {
    const step = this.steps.find((s) => s.id === stepId);
    if (step && !step.after.includes(after) && stepId !== after) step.after.push(after);
  }

  /** Makes every step that matches wait for `after` too. */
  requireWhere(match: (step: Step) => boolean, after: readonly string[]): void {
    for (const step of this.steps) if (match(step)) for (const id of after) this.require(step.id, id);
  }

  explain(change: ResourceChange): void {
    this.changes.push(change);
  }

  has(stepId: string): boolean {
    return this.ids.has(stepId);
  }

  build(): Plan {
    return { steps: this.steps, changes: this.changes };
  }
}
