import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { LlmbindError } from '../core/errors.js';
import { type Config, ConfigSchema, ENV_VARS } from './schema.js';

/** The shipped defaults file. */
export const DEFAULTS_PATH = fileURLToPath(new URL('../../config/default.yaml', import.meta.url));

/** Where settings come from, all optional (tests pass their own `env`). */
export interface LoadConfigOptions {
  /** Environment to read; the loader is the only place that reads `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** YAML file with overrides; defaults to `$LLMBIND_CONFIG` when set. */
  readonly file?: string;
  /** Programmatic overrides applied last (CLI flags), as `path → value`. */
  readonly overrides?: Readonly<Record<string, unknown>>;
}

type Tree = Record<string, unknown>;

const isTree = (v: unknown): v is Tree => typeof v === 'object' && v !== null && !Array.isArray(v);

function readYaml(path: string, what: string): Tree {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new LlmbindError('config_invalid', `cannot read ${what} ${path}`, { path }, { cause: error });
  }
  const parsed: unknown = parseYaml(text) ?? {};
  if (!isTree(parsed)) throw new LlmbindError('config_invalid', `${what} ${path} must be a YAML mapping`);
  return parsed;
}

function merge(base: Tree, over: Tree, prefix = ''): Tree {
  const out: Tree = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const current = out[key];
    out[key] = isTree(current) && isTree(value) ? merge(current, value, `${prefix}${key}.`) : value;
  }
  return out;
}

function getPath(tree: Tree, path: string): unknown {
  return path.split('.').reduce<unknown>((node, key) => (isTree(node) ? node[key] : undefined), tree);
}

function setPath(tree: Tree, path: string, value: unknown): void {
  const keys = path.split('.');
  const last = keys.pop() as string;
  let node = tree;
  for (const key of keys) {
    const next = node[key];
    if (!isTree(next)) node[key] = {};
    node = node[key] as Tree;
  }
  node[last] = value;
}

/** Env values are strings; coerce them to the type of the default they replace. */
function coerce(raw: string, like: unknown): unknown {
  if (typeof like === 'number') return raw.trim() === '' ? raw : Number(raw);
  if (typeof like === 'boolean' || like === 'auto') {
    if (/^(true|1|yes|on)$/i.test(raw)) return true;
    if (/^(false|0|no|off)$/i.test(raw)) return false;
    return raw;
  }
  if (Array.isArray(like))
    return raw
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  return raw;
}

function describe(issues: z.core.$ZodIssue[], sources: Map<string, string>): string {
  const line = (path: string, message: string): string => {
    const source = sources.get(path);
    return `  - ${path || '(root)'}${source ? ` (from ${source})` : ''}: ${message}`;
  };
  return issues
    .flatMap((issue) => {
      const path = issue.path.join('.');
      // An unknown key is reported on its parent: name the key itself, so its source can be found.
      if (issue.code === 'unrecognized_keys')
        return issue.keys.map((key) => line(path ? `${path}.${key}` : key, 'unknown setting'));
      return [line(path, issue.message)];
    })
    .join('\n');
}

/**
 * Loads the configuration once: defaults file, then the optional override file, then environment
 * variables, then programmatic overrides; validated with zod. Throws `config_invalid` naming each bad key
 * and where its value came from (secret values are never echoed).
 */
export function loadConfig(options: LoadConfigOptions = {}): Config {
  const env = options.env ?? process.env;
  const defaults = readYaml(DEFAULTS_PATH, 'defaults file');
  let tree = defaults;
  const sources = new Map<string, string>();
  const file = options.file ?? env.LLMBIND_CONFIG;
  if (file) {
    const user = readYaml(file, 'config file');
    tree = merge(tree, user);
    for (const path of leafPaths(user)) sources.set(path, file);
  }
  for (const [name, path] of Object.entries(ENV_VARS)) {
    const raw = env[name];
    if (raw === undefined) continue;
    setPath(tree, path, coerce(raw, getPath(defaults, path)));
    sources.set(path, `env ${name}`);
  }
  for (const [path, value] of Object.entries(options.overrides ?? {})) {
    setPath(tree, path, value);
    sources.set(path, 'command line');
  }
  const result = ConfigSchema.safeParse(tree);
  if (!result.success) {
    throw new LlmbindError(
      'config_invalid',
      `Invalid configuration:\n${describe(result.error.issues, sources)}`,
    );
  }
  return result.data;
}

function leafPaths(tree: Tree, prefix = ''): string[] {
  return Object.entries(tree).flatMap(([key, value]) =>
    isTree(value) ? leafPaths(value, `${prefix}${key}.`) : [`${prefix}${key}`],
  );
}
