// Parses `.env` and `env_file` files: KEY=VALUE lines, `export ` prefixes, comments, and
// single or double quoted values. Problems carry the line they were found on.

export interface DotenvResult {
  vars: Record<string, string>;
  problems: { line: number; message: string }[];
}

const KEY = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
const ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', '"': '"', '\\': '\\', $: '$' };

export function parseDotenv(text: string): DotenvResult {
  const vars: Record<string, string> = {};
  const problems: DotenvResult['problems'] = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines.forEach((raw, index) => {
    const line = index + 1;
    let body = raw.trim();
    if (body === '' || body.startsWith('#')) return;
    if (body.startsWith('export ')) body = body.slice('export '.length).trimStart();
    const eq = body.indexOf('=');
    if (eq < 0) {
      problems.push({ line, message: `expected KEY=VALUE, found "${body}"` });
      return;
    }
    const key = body.slice(0, eq).trim();
    if (!KEY.test(key)) {
      problems.push({ line, message: `invalid variable name "${key}"` });
      return;
    }
    const value = parseValue(body.slice(eq + 1).trim());
    if (value === null) problems.push({ line, message: `unterminated quoted value for ${key}` });
    else vars[key] = value;
  });
  return { vars, problems };
}

function parseValue(text: string): string | null {
  const quote = text[0];
  if (quote === "'") {
    const end = text.indexOf("'", 1);
    return end < 0 ? null : text.slice(1, end);
  }
  if (quote === '"') {
    let out = '';
    for (let i = 1; i < text.length; i++) {
      const ch = text[i] ?? '';
      if (ch === '"') return out;
      if (ch === '\\' && i + 1 < text.length) {
        const next = text[++i] ?? '';
        out += ESCAPES[next] ?? `\\${next}`;
      } else {
        out += ch;
      }
    }
    return null;
  }
  // Unquoted: an inline comment starts at ` #`.
  const hash = text.search(/\s#/);
  return (hash < 0 ? text : text.slice(0, hash)).trim();
}
