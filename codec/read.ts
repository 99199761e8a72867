// A typed reader over the element tree: look up children and attributes by name, convert values
// by their schema type, and fail with the exact path of what is missing or wrong. Unknown
// elements and attributes are never looked at, which is how they are ignored.
import { SevXmlError, type SevXmlErrorCode } from './errors';
import { normalizeGuid } from './guid';
import { PREFIXES, SEV_NS } from './namespaces';
import { attributeKey, type XmlElement } from './tree';

/** How to read one schema simple type from its lexical form. */
export interface ValueType<T> {
  /** What was expected, for the error message. */
  readonly expected: string;
  parse(raw: string): T | undefined;
}

export const text: ValueType<string> = { expected: 'строка', parse: (raw) => raw };

export const int: ValueType<number> = {
  expected: 'целое число (xs:int)',
  parse(raw) {
    if (!/^[+-]?\d{1,10}$/.test(raw)) return undefined;
    const value = Number(raw);
    return value >= -2147483648 && value <= 2147483647 ? value : undefined;
  },
};

const BOOLEANS: Readonly<Record<string, boolean>> = { true: true, '1': true, false: false, '0': false };
export const boolean: ValueType<boolean> = { expected: 'true, false, 1 или 0', parse: (raw) => BOOLEANS[raw] };

const DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])(Z|[+-]\d{2}:\d{2})?$/;
const DATE_TIME = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d+)?(Z|[+-]\d{2}:\d{2})?$/;

/** xs:date, kept as written. */
export const date: ValueType<string> = { expected: 'дата ГГГГ-ММ-ДД', parse: (raw) => (DATE.test(raw) ? raw : undefined) };

/** xs:dateTime, kept as written. */
export const dateTime: ValueType<string> = {
  expected: 'дата и время ГГГГ-ММ-ДДTчч:мм:сс',
  parse: (raw) => (DATE_TIME.test(raw) ? raw : undefined),
};

/** An identity GUID (message, document, file, task): either form, normalized. */
export const guid: ValueType<string> = { expected: 'GUID', parse: normalizeGuid };

/** A participant's directory UID: normalized when it is a GUID, kept as is when the sender uses other ids. */
export const directoryUid: ValueType<string> = { expected: 'идентификатор', parse: (raw) => normalizeGuid(raw) ?? raw };

export function oneOf<const V extends readonly string[]>(values: V): ValueType<V[number]> {
  return {
    expected: `одно из значений: ${values.join(', ')}`,
    parse: (raw) => values.find((value) => value === raw),
  };
}

export class XmlNode {
  private constructor(
    private readonly element: XmlElement,
    readonly path: string,
  ) {}

  static root(element: XmlElement): XmlNode {
    return new XmlNode(element, `/${element.local}`);
  }

  get local(): string {
    return this.element.local;
  }

  get ns(): string {
    return this.element.ns;
  }

  child(name: string, ns = SEV_NS): XmlNode | undefined {
    const element = this.element.children.find((c) => c.local === name && c.ns === ns);
    return element && new XmlNode(element, `${this.path}/${displayName(name, ns)}`);
  }

  requiredChild(name: string, ns = SEV_NS): XmlNode {
    return this.child(name, ns) ?? this.missingChild(name, ns);
  }

  children(name: string, ns = SEV_NS): XmlNode[] {
    return this.element.children
      .filter((c) => c.local === name && c.ns === ns)
      .map((element, i) => new XmlNode(element, `${this.path}/${displayName(name, ns)}[${i + 1}]`));
  }

  /** A list of children mapped by `read`, or undefined when there are none (lists are never empty). */
  list<T>(name: string, read: (node: XmlNode) => T, ns = SEV_NS): T[] | undefined {
    const items = this.children(name, ns).map(read);
    return items.length > 0 ? items : undefined;
  }

  /** A list that the schema requires to have at least one item. */
  requiredList<T>(name: string, read: (node: XmlNode) => T, ns = SEV_NS): T[] {
    return this.list(name, read, ns) ?? this.missingChild(name, ns);
  }

  /** An optional attribute; empty counts as absent. */
  attr<T>(name: string, type: ValueType<T>, ns = ''): T | undefined {
    const raw = this.element.attributes.get(attributeKey(name, ns))?.trim();
    return raw ? this.convert(raw, type, this.attrPath(name, ns)) : undefined;
  }

  requiredAttr<T>(name: string, type: ValueType<T>, ns = ''): T {
    const value = this.attr(name, type, ns);
    if (value === undefined) {
      this.fail('MISSING_ATTRIBUTE', `нет обязательного атрибута ${displayName(name, ns)} или он пуст`, this.attrPath(name, ns));
    }
    return value;
  }

  /** The element's text, trimmed (real senders pretty-print inside values); empty counts as absent. */
  value<T>(type: ValueType<T>): T | undefined {
    const raw = this.element.text.trim();
    return raw ? this.convert(raw, type, this.path) : undefined;
  }

  /** The element's text, trimmed; empty is allowed only where the type accepts it (xs:string). */
  requiredValue<T>(type: ValueType<T>): T {
    return this.convert(this.element.text.trim(), type, this.path);
  }

  childValue<T>(name: string, type: ValueType<T>, ns = SEV_NS): T | undefined {
    return this.child(name, ns)?.value(type);
  }

  requiredChildValue<T>(name: string, type: ValueType<T>, ns = SEV_NS): T {
    return this.requiredChild(name, ns).requiredValue(type);
  }

  fail(code: SevXmlErrorCode, message: string, path = this.path): never {
    throw new SevXmlError(code, message, { path, line: this.element.line, column: this.element.column });
  }

  private missingChild(name: string, ns: string): never {
    const element = displayName(name, ns);
    return this.fail('MISSING_ELEMENT', `нет обязательного элемента ${element}`, `${this.path}/${element}`);
  }

  private convert<T>(raw: string, type: ValueType<T>, path: string): T {
    const value = type.parse(raw);
    if (value === undefined) this.fail('INVALID_VALUE', `недопустимое значение «${truncate(raw)}»: ожидается ${type.expected}`, path);
    return value;
  }

  private attrPath(name: string, ns: string): string {
    return `${this.path}/@${displayName(name, ns)}`;
  }
}

function displayName(name: string, ns: string): string {
  const prefix = PREFIXES[ns];
  return prefix ? `${prefix}:${name}` : name;
}

// Hostile values can be megabytes long; an error message quotes only the start.
function truncate(raw: string): string {
  return raw.length > 80 ? `${raw.slice(0, 80)}…` : raw;
}
