/**
 * Field errors as Kubernetes' apimachinery `field` package writes them: a path, a type, the bad
 * value and a detail, rendered as `spec.containers[0].name: Required value`.
 */

type FieldErrorType =
  | 'FieldValueRequired'
  | 'FieldValueInvalid'
  | 'FieldValueForbidden'
  | 'FieldValueTooLong'
  | 'FieldValueDuplicate'
  | 'FieldValueNotSupported'
  | 'FieldValueNotFound';

const TYPE_TEXT: Record<FieldErrorType, string> = {
  FieldValueRequired: 'Required value',
  FieldValueInvalid: 'Invalid value',
  FieldValueForbidden: 'Forbidden',
  FieldValueTooLong: 'Too long',
  FieldValueDuplicate: 'Duplicate value',
  FieldValueNotSupported: 'Unsupported value',
  FieldValueNotFound: 'Not found',
};

/** Types whose message never shows the bad value (apimachinery `ErrorBody`). */
const VALUELESS = new Set<FieldErrorType>(['FieldValueRequired', 'FieldValueForbidden', 'FieldValueTooLong']);

const OMIT = Symbol('omit');

class FieldError {
  constructor(
    readonly type: FieldErrorType,
    readonly field: string,
    readonly badValue: unknown,
    readonly detail: string,
  ) {}

  /** The message without the field path (a StatusCause's `message`). */
  body(): string {
    let s = TYPE_TEXT[this.type];
    if (!VALUELESS.has(this.type) && this.badValue !== OMIT) s += `: ${renderValue(this.badValue)}`;
    if (this.detail) s += `: ${this.detail}`;
    return s;
  }

  /** `path: body`; an error about the whole object has no path. */
  toString(): string {
    return this.field ? `${this.field}: ${this.body()}` : this.body();
  }
}

function renderValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value === null || value === undefined) return 'null';
  return JSON.stringify(value);
}

/** A path into an object: `spec.containers[0].env[2].name`, `metadata.labels[app]`. */
export class Path {
  private constructor(private readonly text: string) {}
  static root(name: string): Path {
    return new Path(name);
  }
  child(name: string): Path {
    return new Path(this.text ? `${this.text}.${name}` : name);
  }
  index(i: number): Path {
    return new Path(`${this.text}[${i}]`);
  }
  key(k: string): Path {
    return new Path(`${this.text}[${k}]`);
  }
  toString(): string {
    return this.text;
  }
}

type At = Path | string;

export const field = {
  required: (at: At, detail = '') => new FieldError('FieldValueRequired', String(at), OMIT, detail),
  invalid: (at: At, value: unknown, detail: string) => new FieldError('FieldValueInvalid', String(at), value, detail),
  /** Invalid, without repeating the value (it may be secret, or unprintable). */
  invalidOmitted: (at: At, detail: string) => new FieldError('FieldValueInvalid', String(at), OMIT, detail),
  forbidden: (at: At, detail: string) => new FieldError('FieldValueForbidden', String(at), OMIT, detail),
  tooLong: (at: At, max: number) =>
    new FieldError('FieldValueTooLong', String(at), OMIT, `must have at most ${max} bytes`),
  duplicate: (at: At, value: unknown) => new FieldError('FieldValueDuplicate', String(at), value, ''),
  notFound: (at: At, value: unknown) => new FieldError('FieldValueNotFound', String(at), value, ''),
  notSupported: (at: At, value: unknown, supported: readonly string[]) =>
    new FieldError(
      'FieldValueNotSupported',
      String(at),
      value,
      supported.length ? `supported values: ${supported.map((s) => JSON.stringify(s)).join(', ')}` : '',
    ),
};

export type ErrorList = FieldError[];
