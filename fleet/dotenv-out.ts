// Writes values as a `.env` file that moor's (and compose's) dotenv reader reads back exactly.

const PLAIN = /^[A-Za-z0-9_.,:/@+%=-]*$/;

function quote(value: string): string {
  if (PLAIN.test(value)) return value;
  return `"${value.replace(/[\\"$]/g, (c) => `\\${c}`).replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t')}"`;
}

/** Sorted KEY=VALUE lines. */
export function formatDotenv(values: Readonly<Record<string, string>>): string {
  const keys = Object.keys(values).sort();
  return `# Rendered by \`moor fleet\`: stack defaults < fleet < group < host values.\n${keys.map((k) => `${k}=${quote(values[k] ?? '')}`).join('\n')}\n`;
}
