// The one error the codec throws: a machine-readable code, the place in the input, and a
// message in Russian that can be shown to an operator or quoted in a refusal.
export type SevXmlErrorCode =
  | 'TOO_LARGE'
  | 'ENCODING'
  | 'MALFORMED'
  | 'DTD_FORBIDDEN'
  | 'TOO_DEEP'
  | 'TOO_MANY_ELEMENTS'
  | 'TOO_MANY_ATTRIBUTES'
  | 'WRONG_ROOT'
  | 'WRONG_NAMESPACE'
  | 'MISSING_ELEMENT'
  | 'MISSING_ATTRIBUTE'
  | 'INVALID_VALUE'
  | 'INTERNAL';

export interface SevXmlErrorPlace {
  /** 1-based line of the input, where known. */
  line?: number;
  /** 1-based column of the input, where known. */
  column?: number;
  /** The element or attribute, e.g. `/DocInfo/Header/@MessageID`. */
  path?: string;
}

export class SevXmlError extends Error {
  override name = 'SevXmlError';
  readonly line: number | undefined;
  readonly column: number | undefined;
  readonly path: string | undefined;

  constructor(
    readonly code: SevXmlErrorCode,
    message: string,
    place: SevXmlErrorPlace = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.line = place.line;
    this.column = place.column;
    this.path = place.path;
  }

  /** Where the error is, for one-line output: `/DocInfo/Header (строка 3, столбец 5)`. */
  get place(): string {
    const position = this.line === undefined ? '' : `строка ${this.line}` + (this.column === undefined ? '' : `, столбец ${this.column}`);
    if (this.path && position) return `${this.path} (${position})`;
    return this.path ?? position;
  }

  toJSON(): { code: SevXmlErrorCode; message: string; path?: string; line?: number; column?: number } {
    return { code: this.code, message: this.message, path: this.path, line: this.line, column: this.column };
  }
}
