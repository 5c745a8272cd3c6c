// What a plan or a drift check changes, resource by resource and field by field: the unit of
// `moor plan` output, of drift events and of the hub's view of a sync.

/** One field that differs between what runs and what the commit asks. */
export interface FieldChange {
  /** Dotted path, e.g. `env.LOG_LEVEL`, `ports`, `image`. */
  field: string;
  /** Rendered old and new values; `(redacted)` for secrets; null when absent. */
  from: string | null;
  to: string | null;
}

export type ResourceKind = 'container' | 'network' | 'volume' | 'image' | 'unit' | 'file';

export type ResourceAction =
  | 'create'
  | 'replace'
  | 'start'
  | 'restart'
  | 'update'
  | 'remove'
  | 'pull'
  | 'keep';

/** What happens to one resource and why; the unit of `moor plan` output. */
export interface ResourceChange {
  kind: ResourceKind;
  name: string;
  action: ResourceAction;
  /** One sentence: "env changed", "removed by hand", "no longer declared". */
  why: string;
  fields: FieldChange[];
  /** True when this change puts back drift rather than following a new commit. */
  drift: boolean;
}
