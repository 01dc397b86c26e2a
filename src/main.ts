import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { pino, type Logger } from 'pino';
import { createApp } from './app.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { seedDemo } from './db/seed.js';
import { openPlatformDatabase, resolveAdminToken, StoppedWaiting } from './platform.js';

let shutdownRequested: string | undefined;
let shutdownHandler: ((signal: string) => void) | undefined;
const onSignal = (signal: string) => {
  shutdownRequested ??= signal;
  shutdownHandler?.(signal);
};
process.on('SIGINT', () => onSignal('SIGINT'));
process.on('SIGTERM', () => onSignal('SIGTERM'));

async function main(): Promise<void> {
  let config = loadConfig();
  const log = pino({
    level: config.logLevel,
    base: { service: 'gridlink' },
    redact: ['*.authorization', '*.apiKey', '*.key', '*.adminToken'],
  });
  const admin = resolveAdminToken(config);
  config = Object.freeze({ ...config, adminToken: admin.token });

  const platform = await openPlatformDatabase(config, log, { stopWaiting: () => shutdownRequested !== undefined });
  try {
    await serve(config, log, admin, platform);
  } catch (e) {
    // Failing after the database is open (the HTTP port is taken, ...) must not leave the
    // embedded PostgreSQL running behind the exiting process.
    await platform.close().catch(() => undefined);
    throw e;
  }
}

async function serve(
  config: Config,
  log: Logger,
  admin: ReturnType<typeof resolveAdminToken>,
  platform: Awaited<ReturnType<typeof openPlatformDatabase>>,
): Promise<void> {
  const app = await createApp({ config, db: platform.db, log });

  if (config.seedDemo) {
    const demo = await seedDemo(platform.db);
    const file = path.join(config.dataDir, 'demo-credentials.json');
    if (demo) {
      fs.mkdirSync(config.dataDir, { recursive: true });
      fs.writeFileSync(file, JSON.stringify({ organizations: demo }, null, 2) + '\n', { mode: 0o600 });
      process.stdout.write(
        `\nDemo data created. Organisations, their API keys and console users (also in ${file}):\n` +
          demo
            .map(
              (o) =>
                `  ${o.kind} ${o.name.padEnd(24)} id=${o.id}\n      operator key: ${o.apiKey}\n      admin key:    ${o.adminApiKey}` +
                o.users.map((u) => `\n      console ${u.role.padEnd(8)} ${u.email} / ${u.password}`).join(''),
            )
            .join('\n') +
          '\n\n',
      );
    } else if (fs.existsSync(file)) {
      log.info({ file }, 'database already has data; demo credentials from the first start are in this file');
    }
  }
  if (admin.generatedFile)
    log.info({ file: admin.generatedFile }, 'platform-admin token (GRIDLINK_ADMIN_TOKEN not set) is stored in this file');

  const server = http.createServer(app.express);
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, resolve);
  });
  await app.start(server);
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : config.port;
  log.info({ port }, `Gridlink listening on http://localhost:${port}`);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down: draining HTTP connections');
    const force = setTimeout(() => {
      log.warn('shutdown timeout reached; closing remaining connections');
      server.closeAllConnections();
    }, config.shutdownTimeoutMs);
    force.unref();
    const closed = new Promise<void>((resolve) => server.once('close', () => resolve()));
    await app.stop(); // stops jobs, relay, webhooks and Socket.IO, then closes the HTTP server
    server.closeIdleConnections();
    await closed;
    await platform.close();
    log.info('stopped');
    process.exit(0);
  };
  shutdownHandler = (signal) => void shutdown(signal);
  // A signal that arrived while starting up is honoured now that there is something to stop.
  if (shutdownRequested) void shutdown(shutdownRequested);
}

main().catch((e: unknown) => {
  if (e instanceof StoppedWaiting) process.exit(0);
  if (e instanceof ConfigError) process.stderr.write(`${e.message}\n`);
  else process.stderr.write(`Gridlink failed to start: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
