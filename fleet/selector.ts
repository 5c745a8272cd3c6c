// Label selectors as Kubernetes reads them: `role=camera,site in (berlin,paris)`, `!=`,
// `notin`, `key` (exists) and `!key` (absent); every requirement must hold. Pure.

export type Requirement =
  | { key: string; op: 'in'; values: string[] }
  | { key: string; op: 'notin'; values: string[] }
  | { key: string; op: 'exists' }
  | { key: string; op: 'absent' };

export type Selector = readonly Requirement[];
export type Labels = Readonly<Record<string, string>>;

export class SelectorSyntaxError extends Error {
  readonly code = 'SELECTOR_SYNTAX';
  constructor(readonly selector: string, detail: string) {
    super(`selector "${selector}": ${detail}`);
    this.name = 'SelectorSyntaxError';
  }
}

const KEY = /^(?:[a-z0-9A-Z]([a-z0-9A-Z._-]*[a-z0-9A-Z])?\/)?[a-z0-9A-Z]([a-z0-9A-Z._-]*[a-z0-9A-Z])?$/;
const VALUE = /^(?:[a-z0-9A-Z]([a-z0-9A-Z._-]*[a-z0-9A-Z])?)?$/;

/** Splits on commas that are not inside parentheses. */
function splitTerms(text: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (ch === ',' && depth === 0) {
      terms.push(text.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(text.slice(start));
  return terms.map((t) => t.trim());
}

function checkKey(selector: string, key: string): string {
  if (!KEY.test(key)) throw new SelectorSyntaxError(selector, `"${key}" is not a valid label key`);
  return key;
}

function checkValue(selector: string, value: string): string {
  if (!VALUE.test(value)) throw new SelectorSyntaxError(selector, `"${value}" is not a valid label value`);
  return value;
}

function parseTerm(selector: string, term: string): Requirement {
  const set = /^(\S+)\s+(in|notin)\s*\(([^()]*)\)$/.exec(term);
  if (set) {
    const values = (set[3] ?? '').split(',').map((v) => checkValue(selector, v.trim()));
    if (values.length === 0 || values.every((v) => v === '')) throw new SelectorSyntaxError(selector, `"${term}" needs at least one value`);
    return { key: checkKey(selector, set[1] ?? ''), op: set[2] === 'in' ? 'in' : 'notin', values };
  }
  const cmp = /^([^=!\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(term);
  if (cmp) {
    const key = checkKey(selector, cmp[1] ?? '');
    const values = [checkValue(selector, cmp[3] ?? '')];
    return cmp[2] === '!=' ? { key, op: 'notin', values } : { key, op: 'in', values };
  }
  if (term.startsWith('!')) return { key: checkKey(selector, term.slice(1).trim()), op: 'absent' };
  if (term !== '') return { key: checkKey(selector, term), op: 'exists' };
  throw new SelectorSyntaxError(selector, 'empty requirement');
}

/** Parses the string form; the empty string selects everything. */
export function parseSelector(text: string): Selector {
  if (text.trim() === '') return [];
  return splitTerms(text).map((term) => parseTerm(text, term));
}

/** The map form of fleet.yaml (`{ role: camera }`): each key must equal its value. */
export function selectorFromMap(map: Readonly<Record<string, string>>): Selector {
  return Object.keys(map)
    .sort()
    .map((key) => ({ key: checkKey(key, key), op: 'in' as const, values: [checkValue(key, map[key] ?? '')] }));
}

export function matches(selector: Selector, labels: Labels): boolean {
  return selector.every((r) => {
    const has = Object.prototype.hasOwnProperty.call(labels, r.key);
    const value = has ? labels[r.key] : undefined;
    switch (r.op) {
      case 'in':
        return value !== undefined && r.values.includes(value);
      case 'notin':
        return value === undefined || !r.values.includes(value);
      case 'exists':
        return has;
      case 'absent':
        return !has;
    }
  });
}

export function formatSelector(selector: Selector): string {
  return selector
    .map((r) => {
      switch (r.op) {
        case 'in':
          return r.values.length === 1 ? `${r.key}=${r.values[0] ?? ''}` : `${r.key} in (${r.values.join(',')})`;
        case 'notin':
          return r.values.length === 1 ? `${r.key}!=${r.values[0] ?? ''}` : `${r.key} notin (${r.values.join(',')})`;
        case 'exists':
          return r.key;
        case 'absent':
          return `!${r.key}`;
      }
    })
    .join(',');
}
