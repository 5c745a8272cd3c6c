// Which unit names moor manages: a module of its own, free of imports, because the settings and
// the systemd executor check names too and must not load the manifest's parser (zod schema, cron).

export const UNIT_SUFFIXES = ['.service', '.timer', '.socket', '.path', '.mount'];

export function unitNameProblem(name: string): string | null {
  if (!/^[A-Za-z0-9:_.@-]+$/.test(name) || name.includes('..')) return `"${name}" is not a valid unit name`;
  if (!UNIT_SUFFIXES.some((s) => name.endsWith(s) && name.length > s.length)) {
    return `"${name}" must end with one of ${UNIT_SUFFIXES.join(' ')}`;
  }
  return null;
}
