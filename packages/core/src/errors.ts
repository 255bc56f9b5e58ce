/** Where in a config or input file something went wrong. */
export interface SourceLocation {
  file?: string;
  line?: number;
  column?: number;
}

/**
 * Base of every error meant for a person: its message is one line that names the bad value and the fix.
 * `exitCode` follows the CLI contract: 1 runtime failure, 2 bad usage or bad config.
 */
export class PianoLstmError extends Error {
  readonly exitCode: number = 1;
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A config value is wrong. `path` is the YAML path (`model.options.dropout`). */
export class ConfigError extends PianoLstmError {
  override readonly exitCode = 2;
  readonly path: string;
  readonly detail: string;
  location: SourceLocation;
  /** Whether the location should point at the key (unknown keys) rather than its value. */
  pointsAtKey = false;

  constructor(path: string, detail: string, location: SourceLocation = {}) {
    super('');
    this.path = path;
    this.detail = detail;
    this.location = location;
    this.message = this.format();
  }

  /** Attach the file/line once the loader knows it; keeps the message in sync. */
  at(location: SourceLocation): this {
    this.location = { ...location, ...stripUndefined(this.location) };
    this.message = this.format();
    return this;
  }

  private format(): string {
    const where = formatLocation(this.location);
    const body = this.path ? `${this.path}: ${this.detail}` : this.detail;
    return where ? `${where} ${body}` : body;
  }
}

/** An unknown stage type. Message: `unknown Sampler type 'x' at sampler.type (known: a, b)`. */
export class UnknownTypeError extends ConfigError {
  /** `near`: the known type the name is closest to (a typo), offered first. */
  constructor(stage: string, type: string, path: string, known: string[], near?: string) {
    super('', `unknown ${stage} type '${type}' at ${path} (${near ? `did you mean '${near}'? ` : ''}known: ${known.join(', ') || 'none registered'})`);
    this.typePath = path;
  }
  readonly typePath: string;
}

/** Bad input data (missing file, unreadable MIDI, empty corpus). Exit 2 when the user must fix an argument. */
export class InputError extends PianoLstmError {
  override readonly exitCode: number;
  readonly file?: string;
  constructor(message: string, options: { file?: string; exitCode?: number } = {}) {
    super(message);
    this.file = options.file;
    this.exitCode = options.exitCode ?? 2;
  }
}

/** Raised when the user interrupts (SIGINT); the CLI exits 130. */
export class InterruptedError extends PianoLstmError {
  override readonly exitCode = 130;
}

export function formatLocation(loc: SourceLocation): string {
  if (!loc.file && loc.line === undefined) return '';
  let out = loc.file ?? '<config>';
  if (loc.line !== undefined) out += `:${loc.line}`;
  if (loc.line !== undefined && loc.column !== undefined) out += `:${loc.column}`;
  return out;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Exit code for anything thrown: our errors carry one, everything else is a runtime failure. */
export function exitCodeOf(err: unknown): number {
  return err instanceof PianoLstmError ? err.exitCode : 1;
}
