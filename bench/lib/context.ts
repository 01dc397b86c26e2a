import type pg from 'pg';
import type { Log } from './platform.js';

export type ModeName = 'smoke' | 'quick' | 'default';

/** Sizes and durations of one benchmark mode. */
export interface Mode {
  name: ModeName;
  /** Tickets in the database for the first list measurement, and after the top-up. */
  smallTickets: number;
  largeTickets: number;
  sites: number;
  polygonVertices: number;
  durationS: number;
  warmupS: number;
  connections: number[];
  socketClients: number[];
  /** Events emitted per latency run, and their pace. */
  events: number;
  eventsPerSecond: number;
  /** Events queued for the webhook throughput drain (issue 12). */
  webhookBacklog: number;
  impactSqlRuns: number;
  impactApiRuns: number;
  /** Time cap (seconds) for each of the two impact measurements. */
  impactBudgetS: number;
  startupRuns: number;
  /** Hard limit for the whole run; the platform is killed and the run fails past it. */
  timeLimitS: number;
}

export const MODES: Record<ModeName, Mode> = {
  default: {
    name: 'default',
    smallTickets: 10_000,
    largeTickets: 1_000_000,
    sites: 100_000,
    polygonVertices: 1000,
    durationS: 8,
    warmupS: 2,
    connections: [10, 50],
    socketClients: [1, 100, 1000],
    events: 200,
    eventsPerSecond: 20,
    webhookBacklog: 5000,
    impactSqlRuns: 200,
    impactApiRuns: 30,
    impactBudgetS: 20,
    startupRuns: 3,
    timeLimitS: 15 * 60,
  },
  quick: {
    name: 'quick',
    smallTickets: 10_000,
    largeTickets: 100_000,
    sites: 20_000,
    polygonVertices: 1000,
    durationS: 2,
    warmupS: 1,
    connections: [10, 50],
    socketClients: [1, 100],
    events: 60,
    eventsPerSecond: 20,
    webhookBacklog: 2000,
    impactSqlRuns: 50,
    impactApiRuns: 5,
    impactBudgetS: 5,
    startupRuns: 1,
    timeLimitS: 4 * 60,
  },
  smoke: {
    name: 'smoke',
    smallTickets: 500,
    largeTickets: 2_000,
    sites: 2_000,
    polygonVertices: 1000,
    durationS: 1,
    warmupS: 0,
    connections: [10],
    socketClients: [1, 10],
    events: 10,
    eventsPerSecond: 20,
    webhookBacklog: 20,
    impactSqlRuns: 10,
    impactApiRuns: 2,
    impactBudgetS: 3,
    startupRuns: 1,
    timeLimitS: 110,
  },
};

export interface Org {
  id: string;
  name: string;
  kind: 'DSO' | 'MNO';
  apiKey: string;
  adminApiKey: string;
}

/** One line of the results table (and of bench-results.json). */
export interface Row {
  id: string;
  group: string;
  scenario: string;
  concurrency?: number;
  rps?: number;
  p50?: number;
  p90?: number;
  p99?: number;
  max?: number;
  /** Connection errors, timeouts and unexpected statuses. */
  errors?: number;
  samples?: number;
  /** Ratio to a baseline row (throughput) or another row (latency growth). */
  ratio?: { to: string; value: number; label: string };
  target?: { text: string; met: boolean };
  note?: string;
}

export interface Ctx {
  mode: Mode;
  url: string;
  pool: pg.Pool;
  pgPort: number;
  /** Demo organisations: DSO 1 files tickets with MNO 1; DSO 2 only reads (list scenario). */
  dso1: Org;
  dso2: Org;
  mno1: Org;
  mno2: Org;
  log: Log;
  rows: Row[];
  info: Record<string, unknown>;
  add(row: Row): Row;
  /** Scenario filter (--only); a scenario runs if this returns true for its name. */
  wants(name: string): boolean;
}
