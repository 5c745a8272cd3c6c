// The plan: typed, serialisable steps forming a small DAG, and the explanation of every change.
// Each step kind has exactly one executor (reconciler/execute-step.ts), which the compiler checks.

import type { ResourceChange } from '../contracts/changes.js';
import type { BuildSpec, ContainerSpec, FileSpec, NetworkSpec, ProjectFileSpec, ServiceEndpoints, UnitSpec, VolumeSpec } from '../desired/model.js';

export type { FieldChange, ResourceAction, ResourceChange, ResourceKind } from '../contracts/changes.js';

interface StepBase {
  /** Unique within the plan, e.g. `create:container/edge-web`. */
  id: string;
  /** Ids of steps that must succeed before this one starts. */
  after: string[];
  /** `kind/name` of the resource this step acts on, matching a ResourceChange. */
  resource: string;
}

export type Step =
  | (StepBase & { kind: 'pullImage'; image: string })
  /** `build:` of a service, from its context in the project directory `dir`; `files` relative to the context. */
  | (StepBase & { kind: 'buildImage'; image: string; dir: string; build: BuildSpec; files: string[] })
  | (StepBase & { kind: 'createNetwork'; network: NetworkSpec })
  | (StepBase & { kind: 'removeNetwork'; name: string })
  | (StepBase & { kind: 'createVolume'; volume: VolumeSpec })
  | (StepBase & { kind: 'removeVolume'; name: string })
  /** `hidden`: without its service's names on its networks until announceContainer (a start-first replacement). */
  | (StepBase & { kind: 'createContainer'; spec: ContainerSpec; hidden?: boolean })
  | (StepBase & { kind: 'startContainer'; name: string })
  | (StepBase & { kind: 'stopContainer'; name: string; containerId: string; timeoutMs: number })
  | (StepBase & { kind: 'removeContainer'; name: string; containerId: string })
  | (StepBase & { kind: 'renameContainer'; containerId: string; from: string; to: string })
  | (StepBase & { kind: 'drainContainer'; name: string; containerId: string })
  /** A container created hidden takes its service's names on its networks. */
  | (StepBase & { kind: 'announceContainer'; name: string; endpoints: ServiceEndpoints })
  | (StepBase & { kind: 'waitHealthy'; name: string })
  /** depends_on `service_completed_successfully`: the job ran and exited 0. */
  | (StepBase & { kind: 'waitCompleted'; name: string })
  | (StepBase & { kind: 'writeFile'; file: FileSpec })
  /** A file of the commit into a compose project's directory, atomically. */
  | (StepBase & { kind: 'placeProjectFile'; dir: string; file: ProjectFileSpec })
  /** A file moor placed that the commit no longer holds. */
  | (StepBase & { kind: 'removeProjectFile'; dir: string; rel: string })
  /** A data directory (a bind source the commit does not hold): mkdir -p, never removed. */
  | (StepBase & { kind: 'createDataDir'; dir: string; rel: string })
  /** What moor has placed in a project directory (path -> sha256), recorded beside it. */
  | (StepBase & { kind: 'recordProjectFiles'; dir: string; files: Record<string, string> })
  | (StepBase & { kind: 'removeFile'; path: string })
  | (StepBase & { kind: 'installUnit'; unit: UnitSpec })
  | (StepBase & { kind: 'removeUnitFile'; name: string })
  | (StepBase & { kind: 'removeDropIns'; name: string; files: string[] })
  | (StepBase & { kind: 'reloadSystemd' })
  | (StepBase & { kind: 'enableUnit'; name: string })
  | (StepBase & { kind: 'disableUnit'; name: string })
  | (StepBase & { kind: 'maskUnit'; name: string })
  | (StepBase & { kind: 'unmaskUnit'; name: string })
  | (StepBase & { kind: 'startUnit'; name: string })
  | (StepBase & { kind: 'stopUnit'; name: string })
  | (StepBase & { kind: 'restartUnit'; name: string })
  | (StepBase & { kind: 'reloadUnit'; name: string });

export type StepKind = Step['kind'];

/** The planner's output: what to do, and what changes and why, for people. */
export interface Plan {
  steps: Step[];
  changes: ResourceChange[];
}

export function isEmptyPlan(plan: Plan): boolean {
  return plan.steps.length === 0;
}
