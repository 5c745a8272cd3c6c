// Merging compose documents the way `compose.override.yaml` merges onto `compose.yaml`
// (compose-spec "Merge"): maps merged key by key, scalars replaced, sequences appended,
// except shell commands (replaced), map-like lists (environment, labels...: merged by key)
// and unique resources (volumes, secrets, configs by target; ports by their whole value).

type Json = unknown;
type Obj = Record<string, Json>;

const isObj = (v: Json): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Service keys whose list form `K=V` (or `K: V`) is a map. */
const MAP_LISTS = new Set(['environment', 'labels', 'annotations', 'sysctls', 'extra_hosts', 'driver_opts']);
/** Replaced by the later file, never appended. */
const REPLACED = new Set(['command', 'entrypoint']);
/** Lists whose entries are unique by their mount target. */
const BY_TARGET = new Set(['volumes', 'secrets', 'configs', 'tmpfs', 'devices']);

function listToMap(key: string, list: readonly Json[]): Obj {
  const out: Obj = {};
  const sep = key === 'extra_hosts' ? /[=:]/ : /=/;
  for (const item of list) {
    const text = String(item);
    const m = sep.exec(text);
    if (!m) out[text] = null;
    else out[text.slice(0, m.index)] = text.slice(m.index + 1);
  }
  return out;
}

function targetOf(key: string, item: Json): string {
  if (isObj(item)) return String(item.target ?? item.source ?? JSON.stringify(item));
  const text = String(item);
  if (key === 'secrets' || key === 'configs') return text;
  if (key === 'devices') return text.split(':')[1] ?? text;
  if (key === 'tmpfs') return text.split(':')[0] ?? text;
  const parts = text.split(':');
  return parts.length >= 2 ? (parts[1] ?? text) : text;
}

/** Appends `over` to `base`, an entry of `over` replacing the one of `base` with the same key. */
function mergeUnique(base: readonly Json[], over: readonly Json[], keyOf: (v: Json) => string): Json[] {
  const out = [...base];
  for (const item of over) {
    const k = keyOf(item);
    const at = out.findIndex((b) => keyOf(b) === k);
    if (at >= 0) out[at] = item;
    else out.push(item);
  }
  return out;
}

const canonical = (v: Json): string => JSON.stringify(v);

function mergeList(key: string, base: readonly Json[], over: readonly Json[]): Json[] {
  if (BY_TARGET.has(key)) return mergeUnique(base, over, (v) => targetOf(key, v));
  return mergeUnique(base, over, canonical);
}

/** Merges one service definition (or any map below `services`). */
function mergeService(base: Obj, over: Obj): Obj {
  const out: Obj = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = base[k];
    if (!(k in base) || REPLACED.has(k)) out[k] = v;
    else if (MAP_LISTS.has(k) && (Array.isArray(b) || Array.isArray(v))) {
      out[k] = { ...(Array.isArray(b) ? listToMap(k, b) : isObj(b) ? b : {}), ...(Array.isArray(v) ? listToMap(k, v) : isObj(v) ? v : {}) };
    } else if ((k === 'depends_on' || k === 'networks') && Array.isArray(b) !== Array.isArray(v)) {
      out[k] = { ...namesToMap(k, b), ...namesToMap(k, v) };
    } else if (k === 'healthcheck' && isObj(b) && isObj(v)) out[k] = { ...b, ...v };
    else out[k] = mergeValue(k, b, v);
  }
  return out;
}

function namesToMap(key: string, v: Json): Obj {
  if (isObj(v)) return v;
  const entry = key === 'depends_on' ? { condition: 'service_started' } : null;
  return Object.fromEntries((Array.isArray(v) ? v : []).map((name) => [String(name), entry]));
}

function mergeValue(key: string, base: Json, over: Json): Json {
  if (over === undefined) return base;
  if (Array.isArray(base) && Array.isArray(over)) return mergeList(key, base, over);
  if (isObj(base) && isObj(over)) {
    const out: Obj = { ...base };
    for (const [k, v] of Object.entries(over)) out[k] = k in base ? mergeValue(k, base[k], v) : v;
    return out;
  }
  return over;
}

/** Merges compose document `over` onto `base`; neither is modified. */
export function mergeCompose(base: Json, over: Json): Json {
  if (!isObj(base) || !isObj(over)) return over === undefined ? base : over;
  const out: Obj = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = base[k];
    if (k === 'services' && isObj(b) && isObj(v)) {
      const services: Obj = { ...b };
      for (const [name, def] of Object.entries(v)) {
        const prev = b[name];
        services[name] = isObj(prev) && isObj(def) ? mergeService(prev, def) : def;
      }
      out[k] = services;
    } else out[k] = k in base ? mergeValue(k, b, v) : v;
  }
  return out;
}
