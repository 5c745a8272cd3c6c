// Schemas the daemon needs now and then, not all the time: a stored desired state read back once
// per commit, its settings at start, a child's replies during an apply. zod's schemas are heavy
// objects (dozens of methods bound to each), and one built at module load stays in the daemon's
// heap for months. `onDemand` builds a schema when asked and keeps it only while something uses
// it (a WeakRef): after the work, a full collection gives its memory back, and the next use builds
// it again, in about a millisecond.

/** `build`'s result, built at first call and rebuilt after it has been collected. */
export function onDemand<T extends object>(build: () => T): () => T {
  let ref: WeakRef<T> | null = null;
  return () => {
    const held = ref?.deref();
    if (held) return held;
    const built = build();
    ref = new WeakRef(built);
    return built;
  };
}
