// Secret values travel through interpolation and compose normalisation as placeholders that name
// the variable and carry a keyed hash of its value. Hashes of specs made with placeholders change
// when a secret changes, yet reveal nothing; the clear text replaces them only in container env.

const PATTERN = /<moor-secret:([A-Za-z_][A-Za-z0-9_.-]*):([0-9a-f]{32})>/g;

export function placeholder(name: string, keyedHash: string): string {
  return `<moor-secret:${name}:${keyedHash.slice(0, 32)}>`;
}

export function hasPlaceholder(text: string): boolean {
  PATTERN.lastIndex = 0;
  return PATTERN.test(text);
}

/** The names of the variables whose placeholders `text` holds. */
export function placeholderNames(text: string): string[] {
  return [...text.matchAll(PATTERN)].map((m) => m[1] ?? '');
}

/** Replaces every placeholder with its clear value. */
export function reveal(text: string, values: ReadonlyMap<string, string>): string {
  return text.replace(PATTERN, (whole, name: string) => values.get(name) ?? whole);
}

/** Paths (dotted) of every string inside `value` that holds a placeholder. */
export function placeholderPaths(value: unknown, path: (string | number)[] = []): (string | number)[][] {
  if (typeof value === 'string') return hasPlaceholder(value) ? [path] : [];
  if (Array.isArray(value)) return value.flatMap((v, i) => placeholderPaths(v, [...path, i]));
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) => placeholderPaths(v, [...path, k]));
  }
  return [];
}
