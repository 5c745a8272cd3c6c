// Reads a YAML config file safely (size, nesting and alias limits, duplicate keys) and keeps
// its syntax tree so that any key path can be mapped back to a line for error messages.
import { readFile, stat } from 'node:fs/promises';
import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node, type ScalarTag, type Tags } from 'yaml';
import type { ConfigProblem } from '../contracts/errors.js';
import type { KeyPath, Locator } from './problems.js';

export const MAX_CONFIG_BYTES = 1024 * 1024;
export const MAX_NESTING = 64;
const MAX_ALIAS_COUNT = 100;

export interface YamlFile extends Locator {
  /** Name used in messages, relative to the config dir. */
  file: string;
  value: unknown;
  /** How many leading segments of `path` exist in this file (for merged files). */
  depthOf(path: KeyPath): number;
}

export type YamlResult = { ok: true; yaml: YamlFile } | { ok: false; problems: ConfigProblem[] };

/** Parses YAML text; `file` is the name used in messages. */
export function parseYaml(file: string, text: string): YamlResult {
  const whole = (message: string, line = 1): YamlResult => ({ ok: false, problems: [{ file, line, key: '', message }] });
  if (Buffer.byteLength(text) > MAX_CONFIG_BYTES) return whole(`file is larger than ${MAX_CONFIG_BYTES} bytes`);
  const deep = scanNesting(text);
  if (deep !== null) return whole(`nesting deeper than ${MAX_NESTING} levels`, deep);

  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, merge: true, uniqueKeys: true, prettyErrors: false, customTags: composeIntegers });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      problems: doc.errors.map((e) => ({
        file,
        line: lineCounter.linePos(e.pos[0]).line,
        key: '',
        message: e.code === 'DUPLICATE_KEY' ? 'duplicate key' : `YAML syntax error: ${e.message.split('\n')[0]}`,
      })),
    };
  }
  const treeDepth = nodeDepth(doc.contents, 0);
  if (treeDepth > MAX_NESTING) return whole(`nesting deeper than ${MAX_NESTING} levels`);
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return whole(`refused: ${message} (too many aliases)`);
  }
  const lineOf = (offset: number): number => lineCounter.linePos(offset).line;
  const walk = (path: KeyPath): { line: number; depth: number } => walkPath(doc, path, lineOf);
  return {
    ok: true,
    yaml: {
      file,
      value: value ?? null,
      locate: (path) => ({ file, line: walk(path).line }),
      depthOf: (path) => walk(path).depth,
    },
  };
}

/**
 * Integers as compose (Go's yaml.v3) reads them: a leading 0 means octal (`0755` is 493), and
 * an integer too large for a double stays exactly as written instead of being rounded.
 */
function composeIntegers(tags: Tags): Tags {
  return tags.map((tag): Tags[number] => {
    if (typeof tag !== 'object' || tag.tag !== 'tag:yaml.org,2002:int' || tag.format !== undefined || tag.collection !== undefined) return tag;
    const scalar: ScalarTag = {
      ...tag,
      resolve: (text: string): number | string => {
        if (/^[-+]?0[0-7]+$/.test(text)) return parseInt(text, 8);
        const n = Number(text);
        return Number.isSafeInteger(n) ? n : text.replace(/^\+/, '');
      },
    };
    return scalar;
  });
}

/** Reads and parses a file; a missing file is reported by the caller, so it is returned as null. */
export async function readYaml(absPath: string, file: string): Promise<YamlResult | null> {
  let size: number;
  try {
    size = (await stat(absPath)).size;
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return null;
    return { ok: false, problems: [{ file, line: 1, key: '', message: `cannot read: ${String(err)}` }] };
  }
  if (size > MAX_CONFIG_BYTES) {
    return { ok: false, problems: [{ file, line: 1, key: '', message: `file is larger than ${MAX_CONFIG_BYTES} bytes` }] };
  }
  return parseYaml(file, await readFile(absPath, 'utf8'));
}

export function isErrno(err: unknown, code: string): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === code;
}

function walkPath(doc: Document, path: KeyPath, lineOf: (offset: number) => number): { line: number; depth: number } {
  let node: unknown = doc.contents;
  let line = isNodeWithRange(node) ? lineOf(node.range[0]) : 1;
  let depth = 0;
  for (const seg of path) {
    if (isAlias(node)) node = node.resolve(doc);
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) break;
      if (isNodeWithRange(pair.key)) line = lineOf(pair.key.range[0]);
      node = pair.value;
    } else if (isSeq(node) && typeof seg === 'number') {
      const item: unknown = node.items[seg];
      if (!isNodeWithRange(item)) break;
      line = lineOf(item.range[0]);
      node = item;
    } else {
      break;
    }
    depth++;
  }
  return { line, depth };
}

function isNodeWithRange(node: unknown): node is Node & { range: [number, number, number] } {
  return typeof node === 'object' && node !== null && Array.isArray((node as { range?: unknown }).range);
}

function nodeDepth(node: unknown, depth: number): number {
  if (depth > MAX_NESTING) return depth;
  let max = depth;
  if (isMap(node)) {
    for (const p of node.items) max = Math.max(max, nodeDepth(p.key, depth + 1), nodeDepth(p.value, depth + 1));
  } else if (isSeq(node)) {
    for (const item of node.items) max = Math.max(max, nodeDepth(item, depth + 1));
  }
  return max;
}

/**
 * A cheap lexical estimate of nesting, run before the parser because the parser itself
 * overflows its stack on pathological input. Returns the offending line, or null.
 */
function scanNesting(text: string): number | null {
  const indents: number[] = [];
  let flow = 0;
  let lineNo = 0;
  for (const line of text.split('\n')) {
    lineNo++;
    const indent = line.length - line.trimStart().length;
    const body = line.slice(indent);
    if (body === '' || body.startsWith('#')) continue;
    while (indents.length > 0 && (indents[indents.length - 1] ?? 0) >= indent) indents.pop();
    indents.push(indent);
    const dashes = /^(?:[-?:]\s+)*/.exec(body)?.[0].replace(/\s/g, '').length ?? 0;
    let quote: string | null = null;
    let prev = '';
    let peak = flow;
    for (let i = 0; i < body.length; i++) {
      const ch = body[i] ?? '';
      if (quote) {
        if (ch === '\\' && quote === '"') i++;
        else if (ch === quote) quote = null;
        continue;
      }
      // A quote opens a quoted scalar only where a scalar can start, not inside `it's`.
      if ((ch === '"' || ch === "'") && '[{,:-?'.includes(prev)) quote = ch;
      else if (ch === '#' && (prev === '' || /\s/.test(body[i - 1] ?? ' '))) break;
      else if (ch === '[' || ch === '{') peak = Math.max(peak, ++flow);
      else if (ch === ']' || ch === '}') flow = Math.max(0, flow - 1);
      if (!/\s/.test(ch)) prev = ch;
    }
    if (indents.length + dashes + peak > MAX_NESTING) return lineNo;
  }
  return null;
}
