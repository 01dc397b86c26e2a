import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { XSD_DIR } from '../../paths.js';

/**
 * Validation of every inbound and outbound IEC 61968 message against the bridge's XSDs
 * (xsd/), with libxml2 compiled to WebAssembly (the xmllint build shipped by xmllint-wasm).
 *
 * xmllint-wasm's own `validateXML` starts a worker thread and compiles the 0.8 MB
 * WebAssembly module for every call (~0.6 s each on the shared test machine). Here the
 * schema files are read once and a small pool of long-lived workers compiles the module
 * once and instantiates it per validation (a fresh libxml2 instance each time, nothing
 * shared between messages): median ~30 ms under the same load (docs/notes/issue-14.md).
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
  close(): Promise<void>;
}

interface FileInfo {
  fileName: string;
  contents: string;
}

interface Result {
  id: number;
  exitCode: number;
  stderr: string;
}

/** Runs in each worker: compile once, one fresh libxml2 instance per job. */
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const path = require('node:path');
const Module = require(path.join(workerData.dir, 'xmllint-node.js'));
const wasm = new WebAssembly.Module(fs.readFileSync(path.join(workerData.dir, 'xmllint.wasm')));
parentPort.on('message', (job) => {
  if (!job || job.gridlink !== true) return;
  let stderr = '';
  let done = false;
  const finish = (exitCode) => {
    if (done) return;
    done = true;
    parentPort.postMessage({ gridlink: true, id: job.id, exitCode, stderr });
  };
  Promise.resolve(
    Module({
      inputFiles: job.inputFiles,
      arguments: job.args,
      print: () => {},
      printErr: (t) => { stderr += t + '\\n'; },
      onExit: finish,
      onAbort: (r) => { stderr += 'WASM Abort: ' + r + '\\n'; finish(-1); },
      wasmMemory: new WebAssembly.Memory({ initial: 256, maximum: 1024 }),
      instantiateWasm(imports, done) { done(new WebAssembly.Instance(wasm, imports), wasm); return {}; },
    }),
  ).catch((e) => { stderr += String(e) + '\\n'; finish(-1); });
});
`;

const POOL_SIZE = 2;
const JOB_TIMEOUT_MS = 15_000;

function parseProblems(stderr: string, exitCode: number): SchemaProblem[] {
  const problems: SchemaProblem[] = [];
  for (const line of stderr.split('\n')) {
    const m = /^message\.xml:(\d+): (.*)$/.exec(line);
    if (!m) continue;
    const element = /Element '(?:\{[^}]*\})?([A-Za-z_][\w.-]*)'/.exec(m[2]!)?.[1];
    problems.push({
      message: m[2]!.replace(/\{[^}]*\}/g, ''),
      line: Number(m[1]),
      xpath: element ? `//*[local-name()='${element}']` : undefined,
    });
  }
  if (!problems.length && exitCode !== 0) {
    const first = stderr.split('\n').find((l) => l.trim() && !l.endsWith(' validates')) ?? `xmllint exit code ${exitCode}`;
    problems.push({ message: first, line: undefined, xpath: undefined });
  }
  return problems.slice(0, 20);
}

export function createXsdValidator(dir = XSD_DIR): XsdValidator {
  const files: FileInfo[] = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.xsd'))
    .sort()
    .map((f) => ({ fileName: f, contents: fs.readFileSync(path.join(dir, f), 'utf8') }));
  const libDir = path.dirname(createRequire(import.meta.url).resolve('xmllint-wasm/package.json'));

  interface Slot {
    worker: Worker;
    pending: Map<number, { resolve: (r: Result) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>;
  }
  const slots: (Slot | undefined)[] = Array.from({ length: POOL_SIZE }, () => undefined);
  let next = 0;
  let seq = 0;

  const spawn = (i: number): Slot => {
    const worker = new Worker(WORKER, { eval: true, workerData: { dir: libDir } });
    worker.unref();
    const slot: Slot = { worker, pending: new Map() };
    const failAll = (e: Error) => {
      for (const p of slot.pending.values()) {
        clearTimeout(p.timer);
        p.reject(e);
      }
      slot.pending.clear();
      if (slots[i] === slot) slots[i] = undefined;
    };
    worker.on('message', (m: Result & { gridlink?: boolean }) => {
      if (!m?.gridlink) return;
      const p = slot.pending.get(m.id);
      if (!p) return;
      clearTimeout(p.timer);
      slot.pending.delete(m.id);
      p.resolve(m);
    });
    worker.on('error', (e) => failAll(e));
    worker.on('exit', () => failAll(new Error('xmllint worker exited')));
    return slot;
  };

  const run = (xml: string, root: Root): Promise<Result> => {
    const i = next++ % POOL_SIZE;
    const slot = (slots[i] ??= spawn(i));
    const id = ++seq;
    return new Promise<Result>((resolve, reject) => {
      const timer = setTimeout(() => {
        // A stuck validation takes its worker with it; the next call starts a new one.
        void slot.worker.terminate();
        reject(new Error(`XSD validation did not finish within ${JOB_TIMEOUT_MS} ms`));
      }, JOB_TIMEOUT_MS);
      slot.pending.set(id, { resolve, reject, timer });
      slot.worker.postMessage({
        gridlink: true,
        id,
        inputFiles: [{ fileName: 'message.xml', contents: xml }, ...files],
        args: ['--schema', ROOT_FILE[root], '--noout', 'message.xml'],
      });
    });
  };

  return {
    async validate(xml, root) {
      const r = await run(xml, root);
      return r.exitCode === 0 ? [] : parseProblems(r.stderr, r.exitCode);
    },
    async close() {
      await Promise.all(slots.map((s) => s?.worker.terminate()));
    },
  };
}
