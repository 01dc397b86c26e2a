import { XMLParser } from 'fast-xml-parser';
import { isJsonObject } from '../../http/patch.js';

/**
 * Reading and writing IEC 61968 XML. Reading refuses any DTD outright (no DOCTYPE, no
 * entity declarations: billion laughs and external entities never reach a parser), does
 * not expand entities beyond the five predefined ones, and strips namespace prefixes
 * after the XSD validation has checked the namespaces. Writing escapes every text node.
 */
export type XmlNode = { [k: string]: unknown };

const DTD = /<!DOCTYPE|<!ENTITY|<!ELEMENT|<!ATTLIST/i;

export function hasDtd(text: string): boolean {
  return DTD.test(text);
}

/** Elements that may repeat, always read as arrays. */
const REPEATED = new Set(['TroubleTicket', 'Outage', 'Error', 'ID', 'Option', 'Property', 'Names', 'PositionPoints', 'UsagePoints']);

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  // Entities: the five predefined ones and character references (`&#228;`, `&#x1F600;`:
  // OMS exports that write ASCII-only XML use them). `htmlEntities` is the parser's switch
  // for character references; the HTML named entities it would also accept never get here,
  // because every message has passed libxml2 (XSD validation) first, which refuses an
  // undeclared entity and any reference to a character XML does not allow; a DTD is refused
  // before that.
  processEntities: true,
  htmlEntities: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  isArray: (name) => REPEATED.has(name),
});

export function parseXml(text: string): XmlNode {
  const parsed: unknown = parser.parse(text);
  return node(parsed) ?? {};
}

/** Local name and namespace URI of the document element, read from its start tag. */
export function documentElement(text: string): { prefix: string | undefined; local: string; namespace: string | undefined } | undefined {
  const body = text.replace(/^\uFEFF/, '').replace(/<\?[\s\S]*?\?>|<!--[\s\S]*?-->/g, '');
  const m = /<(?:([A-Za-z_][\w.-]*):)?([A-Za-z_][\w.-]*)((?:\s[^>]*)?)\/?>/.exec(body);
  if (!m) return undefined;
  const [, prefix, local, attrs = ''] = m;
  const ns = new RegExp(`\\sxmlns${prefix ? `:${prefix}` : ''}\\s*=\\s*("([^"]*)"|'([^']*)')`).exec(attrs);
  return { prefix, local: local!, namespace: ns ? (ns[2] ?? ns[3]) : undefined };
}

export const text = (v: unknown): string | undefined => {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'object') {
    const t = '#text' in v ? v['#text'] : undefined;
    return t === undefined ? undefined : String(t);
  }
  return String(v);
};

export const node = (v: unknown): XmlNode | undefined => (isJsonObject(v) ? v : undefined);
export const list = (v: unknown): XmlNode[] => (Array.isArray(v) ? (v as XmlNode[]) : v ? [v as XmlNode] : []);

const escapeXml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);

/** A child element list: `undefined` children are left out (optional elements). */
export type Xml = string;

export function el(name: string, content: string | number | boolean | Xml[] | undefined | null, attrs?: Record<string, string>): Xml {
  if (content === undefined || content === null) return '';
  const a = attrs
    ? Object.entries(attrs)
        .map(([k, v]) => ` ${k}="${escapeXml(v)}"`)
        .join('')
    : '';
  if (Array.isArray(content)) {
    const inner = content.filter(Boolean).join('');
    return `<${name}${a}>${inner}</${name}>`;
  }
  return `<${name}${a}>${escapeXml(String(content))}</${name}>`;
}

/** `el` that leaves the element out when it would be empty. */
export function opt(name: string, children: Xml[]): Xml {
  return children.some(Boolean) ? el(name, children) : '';
}
