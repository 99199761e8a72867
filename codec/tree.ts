// Text → a small namespace-aware element tree, with saxes. Untrusted input: a DOCTYPE is refused
// outright (so no DTD, external entity or entity expansion is ever processed), only the
// predefined entities and character references exist, and depth and the numbers of elements and
// attributes are capped.
import { SaxesParser, type SaxesTagNS } from 'saxes';
import { SevXmlError } from './errors';

export interface XmlElement {
  ns: string;
  local: string;
  /** Attributes in no namespace by local name, namespaced ones as `{uri}local`. */
  attributes: Map<string, string>;
  children: XmlElement[];
  /** The element's own character data (text and CDATA), untrimmed. */
  text: string;
  /** 1-based position just after the start tag. */
  line: number;
  column: number;
}

export interface TreeLimits {
  maxDepth: number;
  maxElements: number;
  /** Per element: a flood of attributes on one tag costs saxes superlinear time. */
  maxAttributes: number;
  maxTotalAttributes: number;
}

const XMLNS_NS = 'http://www.w3.org/2000/xmlns/';

export function attributeKey(local: string, ns = ''): string {
  return ns === '' ? local : `{${ns}}${local}`;
}

export function parseTree(xml: string, limits: TreeLimits): XmlElement {
  const parser = new SaxesParser({ xmlns: true, position: true });
  const here = () => ({ line: parser.line, column: parser.column + 1 });
  const open: XmlElement[] = [];
  let root: XmlElement | undefined;
  let elements = 0;
  let attributes = 0;
  let attributesOfTag = 0;

  // Throwing from a handler aborts `write`, so the first problem ends the parse. Handlers are
  // kept few: with seven or more registered, saxes runs about twice as slow.
  parser.on('doctype', () => {
    throw new SevXmlError('DTD_FORBIDDEN', 'объявление DOCTYPE запрещено', here());
  });
  // Counted as they are read, before saxes processes the whole start tag.
  parser.on('attribute', () => {
    attributesOfTag += 1;
    attributes += 1;
    if (attributesOfTag > limits.maxAttributes) {
      throw new SevXmlError('TOO_MANY_ATTRIBUTES', `больше ${limits.maxAttributes} атрибутов у одного элемента`, here());
    }
    if (attributes > limits.maxTotalAttributes) {
      throw new SevXmlError('TOO_MANY_ATTRIBUTES', `больше ${limits.maxTotalAttributes} атрибутов в документе`, here());
    }
  });
  parser.on('opentag', (tag) => {
    elements += 1;
    if (elements > limits.maxElements) {
      throw new SevXmlError('TOO_MANY_ELEMENTS', `больше ${limits.maxElements} элементов`, here());
    }
    if (open.length >= limits.maxDepth) {
      throw new SevXmlError('TOO_DEEP', `вложенность элементов больше ${limits.maxDepth}`, here());
    }
    attributesOfTag = 0;
    const element: XmlElement = { ns: tag.uri, local: tag.local, attributes: attributesOf(tag), children: [], text: '', ...here() };
    const parent = open.at(-1);
    if (parent) parent.children.push(element);
    else root = element;
    open.push(element);
  });
  parser.on('closetag', () => {
    open.pop();
  });
  const appendText = (text: string) => {
    const current = open.at(-1);
    if (current) current.text += text;
  };
  parser.on('text', appendText);
  parser.on('cdata', appendText);

  try {
    parser.write(xml).close();
  } catch (err) {
    if (err instanceof SevXmlError) throw err;
    // Without an error handler saxes throws a plain Error for ill-formed XML.
    const reason = err instanceof Error ? err.message.replace(/^\d+:\d+: /, '') : String(err);
    throw new SevXmlError('MALFORMED', `XML построен неправильно: ${reason}`, here(), { cause: err });
  }
  if (!root) throw new SevXmlError('MALFORMED', 'нет корневого элемента');
  return root;
}

function attributesOf(tag: SaxesTagNS): Map<string, string> {
  const attributes = new Map<string, string>();
  for (const attribute of Object.values(tag.attributes)) {
    if (attribute.uri === XMLNS_NS) continue;
    attributes.set(attributeKey(attribute.local, attribute.uri), attribute.value);
  }
  return attributes;
}
