// Where better-sqlite3's native addon is when it is not in node_modules: the single binary
// writes it to its cache directory and says so in MOOR_SQLITE_BINDING.

export function nativeBinding(): string | undefined {
  return process.env.MOOR_SQLITE_BINDING || undefined;
}
