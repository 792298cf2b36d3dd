/**
 * One command-line grammar for every `reward-lens` command, on Node's own `util.parseArgs`: `--flag=value` and
 * `--flag value` everywhere, unknown flags and missing values are errors, numbers are checked and the error names the
 * flag. Commands declare their options once and read typed values through `CliArgs`.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

/** A usage error: the command prints it with its usage text and exits 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface NumberRule {
  min?: number;
  max?: number;
  integer?: boolean;
}

export class CliArgs {
  constructor(private readonly values: Record<string, string | boolean | (string | boolean)[] | undefined>) {}

  has(name: string): boolean {
    return this.values[name] !== undefined;
  }

  flag(name: string): boolean {
    return this.values[name] === true;
  }

  /** Last value of a string option (repeated options: the last one wins, as in most CLIs). */
  str(name: string): string | undefined {
    const v = this.values[name];
    const last = Array.isArray(v) ? v[v.length - 1] : v;
    return typeof last === 'string' ? last : undefined;
  }

  list(name: string): string[] {
    const v = this.values[name];
    if (v === undefined) return [];
    return (Array.isArray(v) ? v : [v]).filter((x): x is string => typeof x === 'string');
  }

  required(name: string): string {
    const v = this.str(name);
    if (v === undefined || v === '') throw new UsageError(`--${name} is required`);
    return v;
  }

  /** A number option; `abc`, `1e999`, `` are usage errors naming the flag and what it accepts. */
  num(name: string, rule: NumberRule = {}): number | undefined {
    const raw = this.str(name);
    if (raw === undefined) return undefined;
    return checkNumber(`--${name}`, raw, rule);
  }

  choice<T extends string>(name: string, allowed: readonly T[], fallback: T): T;
  choice<T extends string>(name: string, allowed: readonly T[]): T | undefined;
  choice<T extends string>(name: string, allowed: readonly T[], fallback?: T): T | undefined {
    const v = this.str(name);
    if (v === undefined) return fallback;
    if (!(allowed as readonly string[]).includes(v)) throw new UsageError(`--${name} must be one of ${allowed.join(', ')} (got ${JSON.stringify(v)})`);
    return v as T;
  }
}

export function checkNumber(flag: string, raw: string, rule: NumberRule = {}): number {
  const kind = rule.integer ? 'an integer' : 'a number';
  const what = rule.min !== undefined && rule.max !== undefined ? `${kind} between ${rule.min} and ${rule.max}`
    : rule.min !== undefined ? `${kind} >= ${rule.min}` : rule.max !== undefined ? `${kind} <= ${rule.max}` : kind;
  const x = raw.trim() === '' ? NaN : Number(raw);
  if (!Number.isFinite(x) || (rule.integer && !Number.isInteger(x)) || (rule.min !== undefined && x < rule.min) || (rule.max !== undefined && x > rule.max)) {
    throw new UsageError(`${flag} must be ${what} (got ${JSON.stringify(raw)})`);
  }
  return x;
}

/** Parses `args` strictly against `options` (plus --help/-h). Throws UsageError with parseArgs' own message. */
export function parseCli(args: readonly string[], options: OptionSpec): CliArgs & { help: boolean } {
  let parsed;
  try {
    parsed = parseArgs({ args: [...args], options: { ...options, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: false });
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message.split('\n')[0]! + ((e as Error).message.includes('\n') ? ` ${(e as Error).message.split('\n').slice(1).join(' ')}` : '') : String(e));
  }
  // parseArgs returns a null-prototype object: names from the command line cannot reach Object.prototype.
  const out = new CliArgs(parsed.values as Record<string, string | boolean | (string | boolean)[] | undefined>) as CliArgs & { help: boolean };
  out.help = parsed.values.help === true;
  return out;
}

/** Runs a command body with the shared error handling: usage errors -> exit 2 with usage, others -> exit 1. */
export async function runCommand(name: string, usage: string, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`reward-lens ${name}: ${e.message}\n\n${usage}`);
      return 2;
    }
    const err = e as { code?: string; message?: string };
    process.stderr.write(`reward-lens ${name}: ${err.code ? `${err.code}: ` : ''}${err.message ?? String(e)}\n`);
    return 1;
  }
}
