// A fast path for the small YAML files a fleet has hundreds of (hosts/<host>.yaml): top-level
// `key: value` lines whose value is a one-line flow map, flow sequence or scalar of plain or
// quoted strings. Anything else, or anything whose meaning is not certainly a string (numbers,
// booleans, null, escapes, anchors, comments after a value, duplicate keys), returns null and
// the caller uses the full parser. When it answers, it answers what the full parser would.

import type { KeyPath } from '../agent/config-text/problems.js';
import type { YamlFile } from '../agent/config-text/yaml-file.js';

type Flat = string | string[] | Record<string, string>;

const KEY = /^([A-Za-z_][A-Za-z0-9_]*):(?:[ \t]+(.*?))?[ \t]*$/;
const PLAIN = /^[A-Za-z0-9_][A-Za-z0-9_./-]*$/;
/** Plain scalars YAML 1.2's core schema reads as something other than a string. */
const NOT_STRING = /^(?:true|True|TRUE|false|False|FALSE|null|Null|NULL|[-+]?(?:0o[0-7]+|0x[0-9a-fA-F]+|[0-9]+|(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?))$/;
const TOKEN = /\s*(?:([{}[\],]|:(?=\s|$))|"([^"\\\x00-\x1f]*)"|'([^'\x00-\x1f]*)'|([^\s{}[\],:"'#]+))/y;

type Token = { punct: string } | { text: string };

function scalar(plain: string): string | null {
  return PLAIN.test(plain) && !NOT_STRING.test(plain) && plain !== '__proto__' ? plain : null;
}

function tokens(text: string): Token[] | null {
  const out: Token[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < text.length) {
    const m = TOKEN.exec(text);
    if (!m) return /^\s*$/.test(text.slice(TOKEN.lastIndex)) ? out : null;
    if (m[1] !== undefined) out.push({ punct: m[1] });
    else if (m[2] !== undefined || m[3] !== undefined) out.push({ text: m[2] ?? m[3] ?? '' });
    else {
      const s = scalar(m[4] ?? '');
      if (s === null) return null;
      out.push({ text: s });
    }
  }
  return out;
}

const isPunct = (t: Token | undefined, p: string): boolean => t !== undefined && 'punct' in t && t.punct === p;
const textOf = (t: Token | undefined): string | null => (t !== undefined && 'text' in t ? t.text : null);

/** `{ a: b, c: d }` or `[a, b]` or a lone scalar; null when it is anything else. */
function flowValue(text: string): Flat | null {
  const ts = tokens(text);
  if (!ts || ts.length === 0) return null;
  if (ts.length === 1) return textOf(ts[0]);
  const open = ts[0];
  const close = ts[ts.length - 1];
  const inner = ts.slice(1, -1);
  if (isPunct(open, '[') && isPunct(close, ']')) {
    const items: string[] = [];
    for (let i = 0; i < inner.length; i += 2) {
      const v = textOf(inner[i]);
      if (v === null || (i + 1 < inner.length && !isPunct(inner[i + 1], ','))) return null;
      items.push(v);
    }
    return items;
  }
  if (!isPunct(open, '{') || !isPunct(close, '}')) return null;
  const map: Record<string, string> = {};
  for (let i = 0; i < inner.length; i += 4) {
    const k = textOf(inner[i]);
    const v = textOf(inner[i + 2]);
    if (k === null || v === null || !isPunct(inner[i + 1], ':') || (i + 3 < inner.length && !isPunct(inner[i + 3], ',')) || k === '__proto__' || Object.hasOwn(map, k)) return null;
    map[k] = v;
  }
  return map;
}

/** The file read by the fast path, or null when the full parser must read it. */
export function parseFlatYaml(file: string, text: string): YamlFile | null {
  if (text.includes('\r') || text.includes('\t')) return null;
  const value: Record<string, Flat> = {};
  const lines = new Map<string, number>();
  const all = text.split('\n');
  for (let i = 0; i < all.length; i++) {
    const line = all[i] ?? '';
    if (/^\s*(#.*)?$/.test(line)) continue;
    const m = KEY.exec(line);
    if (!m?.[1] || m[2] === undefined || m[1] === '__proto__' || lines.has(m[1]) || /(^|\s)#/.test(m[2].replace(/"[^"]*"|'[^']*'/g, ''))) return null;
    const v = flowValue(m[2]);
    if (v === null) return null;
    value[m[1]] = v;
    lines.set(m[1], i + 1);
  }
  const first = lines.values().next();
  if (first.done) return null;
  const root = first.value;
  const depth = (path: KeyPath): number => {
    const [top, sub] = path;
    if (top === undefined || !lines.has(String(top))) return 0;
    const v = value[String(top)];
    if (sub === undefined || typeof v === 'string') return 1;
    const has = Array.isArray(v) ? typeof sub === 'number' && sub < v.length : Object.hasOwn(v ?? {}, String(sub));
    return has ? 2 : 1;
  };
  return {
    file,
    value,
    locate: (path) => ({ file, line: path.length === 0 ? root : (lines.get(String(path[0])) ?? root) }),
    depthOf: depth,
  };
}
