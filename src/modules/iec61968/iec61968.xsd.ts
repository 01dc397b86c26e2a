import fs from 'node:fs';
import path from 'node:path';
import { validateXML, type XMLFileInfo } from 'xmllint-wasm';
import { XSD_DIR } from '../../paths.js';

/**
 * Validation of every inbound and outbound IEC 61968 message against the bridge's XSDs
 * (xsd/), with libxml2 compiled to WebAssembly (xmllint-wasm). The schema files are read
 * once; each validation runs xmllint in a worker thread on an in-memory file system.
 */
export const NS = {
  message: 'http://iec.ch/TC57/2011/schema/message',
  troubleTickets: 'http://iec.ch/TC57/2011/TroubleTickets#',
  incidentInformation: 'http://iec.ch/TC57/2011/IncidentInformation#',
  soap11: 'http://schemas.xmlsoap.org/soap/envelope/',
  soap12: 'http://www.w3.org/2003/05/soap-envelope',
} as const;

export type Root = 'message' | 'soap11' | 'soap12';

const ROOT_FILE: Record<Root, string> = { message: 'Message.xsd', soap11: 'SoapEnvelope11.xsd', soap12: 'SoapEnvelope12.xsd' };

export interface SchemaProblem {
  message: string;
  line: number | undefined;
  /** The element xmllint names in its message, as an XPath step (`//*[local-name()='x']`). */
  xpath: string | undefined;
}

export interface XsdValidator {
  validate(xml: string, root: Root): Promise<SchemaProblem[]>;
}

export function createXsdValidator(dir = XSD_DIR): XsdValidator {
  const files: XMLFileInfo[] = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.xsd'))
    .sort()
    .map((f) => ({ fileName: f, contents: fs.readFileSync(path.join(dir, f), 'utf8') }));
  const byName = new Map(files.map((f) => [f.fileName, f]));
  return {
    async validate(xml, root) {
      const main = byName.get(ROOT_FILE[root])!;
      const result = await validateXML({
        xml: [{ fileName: 'message.xml', contents: xml }],
        schema: [main],
        preload: files.filter((f) => f !== main),
      });
      if (result.valid) return [];
      return result.errors.slice(0, 20).map((e) => {
        const element = /Element '(?:\{[^}]*\})?([A-Za-z_][\w.-]*)'/.exec(e.message)?.[1];
        return {
          message: e.message.replace(/\{[^}]*\}/g, ''),
          line: e.loc?.lineNumber,
          xpath: element ? `//*[local-name()='${element}']` : undefined,
        };
      });
    },
  };
}
