/**
 * A small XML reader for checking configuration files in CI without Docker: it enforces
 * well-formedness (one root, matched and properly nested tags, quoted unique attributes, known
 * entities, no stray `<` or `&`) and returns the element tree. Not a general XML parser: no DTDs.
 */
export interface XmlElement {
  readonly name: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly children: XmlElement[];
  text: string;
}

export class XmlSyntaxError extends Error {
  override readonly name = 'XmlSyntaxError';
}

const NAME = /^[A-Za-z_:][-A-Za-z0-9_:.]*/;
const ENTITY = /^&(?:lt|gt|amp|quot|apos|#[0-9]+|#x[0-9A-Fa-f]+);/;

function checkText(text: string, where: string): void {
  if (text.includes('<')) throw new XmlSyntaxError(`${where}: "<" in text`);
  for (let i = text.indexOf('&'); i !== -1; i = text.indexOf('&', i + 1)) {
    if (!ENTITY.test(text.slice(i))) throw new XmlSyntaxError(`${where}: bare "&"`);
  }
}

export function parseXml(source: string, file = 'xml'): XmlElement {
  let pos = 0;
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  const line = (): number => source.slice(0, pos).split('\n').length;
  const fail = (message: string): never => {
    throw new XmlSyntaxError(`${file}:${line()}: ${message}`);
  };

  while (pos < source.length) {
    const lt = source.indexOf('<', pos);
    const text = source.slice(pos, lt === -1 ? source.length : lt);
    if (text.trim() !== '') {
      if (stack.length === 0) fail('text outside the root element');
      checkText(text, `${file}:${line()}`);
      stack[stack.length - 1]!.text += text;
    }
    if (lt === -1) break;
    pos = lt;
    if (source.startsWith('<!--', pos)) {
      const end = source.indexOf('-->', pos + 4);
      if (end === -1) fail('unterminated comment');
      if (source.slice(pos + 4, end).includes('--')) fail('"--" inside a comment');
      pos = end + 3;
    } else if (source.startsWith('<?', pos)) {
      const end = source.indexOf('?>', pos);
      if (end === -1) fail('unterminated processing instruction');
      if (pos !== 0 && source.startsWith('<?xml ', pos)) fail('XML declaration not at the start');
      pos = end + 2;
    } else if (source.startsWith('<![CDATA[', pos)) {
      const end = source.indexOf(']]>', pos);
      if (end === -1 || stack.length === 0) fail('bad CDATA section');
      stack[stack.length - 1]!.text += source.slice(pos + 9, end);
      pos = end + 3;
    } else if (source.startsWith('<!', pos)) {
      fail('DTDs are not supported');
    } else if (source.startsWith('</', pos)) {
      const match = NAME.exec(source.slice(pos + 2));
      if (!match) fail('bad end tag');
      const name = match![0];
      pos += 2 + name.length;
      while (/\s/.test(source[pos] ?? '')) pos++;
      if (source[pos] !== '>') fail(`bad end tag </${name}`);
      pos++;
      const open = stack.pop();
      if (!open || open.name !== name) fail(`</${name}> does not close <${open?.name ?? '(nothing)'}>`);
    } else {
      const match = NAME.exec(source.slice(pos + 1));
      if (!match) fail('bad start tag');
      const element: XmlElement = { name: match![0], attributes: {}, children: [], text: '' };
      const attributes: Record<string, string> = {};
      pos += 1 + element.name.length;
      for (;;) {
        const spaces = /^\s*/.exec(source.slice(pos))![0].length;
        pos += spaces;
        if (source.startsWith('/>', pos) || source[pos] === '>') break;
        if (spaces === 0) fail(`expected whitespace before an attribute in <${element.name}>`);
        const attr = /^([A-Za-z_:][-A-Za-z0-9_:.]*)\s*=\s*("([^"<]*)"|'([^'<]*)')/.exec(source.slice(pos));
        if (!attr) fail(`bad attribute in <${element.name}>`);
        const [whole, attrName, , doubleQuoted, singleQuoted] = attr!;
        if (attrName! in attributes) fail(`duplicate attribute ${attrName} in <${element.name}>`);
        const value = doubleQuoted ?? singleQuoted ?? '';
        checkText(value, `${file}:${line()}`);
        attributes[attrName!] = value;
        pos += whole.length;
      }
      Object.assign(element.attributes, attributes);
      const selfClosing = source.startsWith('/>', pos);
      pos += selfClosing ? 2 : 1;
      if (stack.length > 0) stack[stack.length - 1]!.children.push(element);
      else if (root) fail('more than one root element');
      else root = element;
      if (!selfClosing) stack.push(element);
    }
  }
  if (stack.length > 0) fail(`<${stack[stack.length - 1]!.name}> is never closed`);
  if (!root) fail('no root element');
  return root!;
}

/** Every element below `element` (depth first) with this name. */
export function findAll(element: XmlElement, name: string): XmlElement[] {
  const found: XmlElement[] = [];
  for (const child of element.children) {
    if (child.name === name) found.push(child);
    found.push(...findAll(child, name));
  }
  return found;
}

/** `<param name=… value=…/>` children as a map. */
export function params(element: XmlElement): Record<string, string> {
  return Object.fromEntries(findAll(element, 'param').map((param) => [param.attributes.name ?? '', param.attributes.value ?? '']));
}
