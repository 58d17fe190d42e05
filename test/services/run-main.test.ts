import type { FastifyInstance } from 'fastify';
import { defineService, runMain, type BackgroundTask } from '../../services/kit';
import { waitFor } from './support/wait-for';

// runMain, the entry point of a service process, run in this process: its signal handlers are called
// through process.emit and process.exit is recorded, not made. service-process.test.ts runs a
// service as a real process and sends it a real SIGTERM.

const env = { PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', SHUTDOWN_DELAY_MS: '0' };
let exits: Promise<number>;
let listenersBefore: Record<'SIGTERM' | 'SIGINT', NodeJS.SignalsListener[]>;
const savedEnv = { ...process.env };
// runMain's shutdown deadline (SHUTDOWN_TIMEOUT_MS) is a timer that outlives a test whose service
// shut down in time: in a real process exit(0) ends it, here it would fire in a later file's test.
let timers: NodeJS.Timeout[];

beforeEach(() => {
  timers = [];
  const realSetTimeout = global.setTimeout;
  jest.spyOn(global, 'setTimeout').mockImplementation(((...args: Parameters<typeof setTimeout>) => {
    const timer = realSetTimeout(...args);
    timers.push(timer);
    return timer;
  }) as typeof setTimeout);
  listenersBefore = { SIGTERM: process.listeners('SIGTERM'), SIGINT: process.listeners('SIGINT') };
  exits = new Promise((resolve) => jest.spyOn(process, 'exit').mockImplementation(((code: number) => resolve(code)) as never));
  Object.assign(process.env, env);
});

afterEach(() => {
  timers.forEach(clearTimeout);
  jest.restoreAllMocks();
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    for (const listener of process.listeners(signal)) if (!listenersBefore[signal].includes(listener)) process.removeListener(signal, listener);
  }
  for (const name of Object.keys(process.env)) if (!(name in savedEnv)) delete process.env[name];
  Object.assign(process.env, savedEnv);
});

/** A service without a database whose background task stops as `stop` says; `started` resolves with its app once it listens. */
function serviceStoppingWith(stop: BackgroundTask['stop']) {
  let app: FastifyInstance | undefined;
  const definition = defineService({
    name: 'run-main-fixture',
    usesDatabase: false,
    register: (registered) => {
      app = registered;
      return [{ name: 'task', stop }];
    },
  });
  const started = async () => {
    await waitFor('the service to listen', () => app?.server.listening === true);
    return app!;
  };
  return { definition, started };
}

it.each(['SIGTERM', 'SIGINT'] as const)('shuts down gracefully on %s, stopping the background work, and exits 0', async (signal) => {
  const stop = jest.fn(async () => {});
  const { definition, started } = serviceStoppingWith(stop);
  runMain(definition);
  const app = await started();
  process.emit(signal);
  expect(await exits).toBe(0);
  expect(stop).toHaveBeenCalledTimes(1);
  expect(app.server.listening).toBe(false);
});

it('listens for each signal once, so that a second SIGTERM stops the process at once, as node does by default', async () => {
  const stop = jest.fn(async () => {});
  const { definition, started } = serviceStoppingWith(stop);
  runMain(definition);
  await started();
  process.emit('SIGTERM');
  await exits;
  expect(process.listeners('SIGTERM')).toEqual(listenersBefore.SIGTERM);
});

it('exits 1 when shutdown fails, and logs why', async () => {
  const { definition, started } = serviceStoppingWith(async () => {
    throw new Error('task would not stop');
  });
  runMain(definition);
  const app = await started();
  const logged = jest.spyOn(app.log, 'error');
  process.emit('SIGTERM');
  expect(await exits).toBe(1);
  expect(logged).toHaveBeenCalledWith({ err: expect.objectContaining({ message: 'task would not stop' }) }, 'shutdown failed');
  // At once, not at the shutdown deadline.
  expect(logged).not.toHaveBeenCalledWith('shutdown timed out');
});

it('exits 1 once SHUTDOWN_TIMEOUT_MS has passed while shutdown still runs', async () => {
  process.env.SHUTDOWN_TIMEOUT_MS = '1000';
  const { definition, started } = serviceStoppingWith(() => new Promise(() => {}));
  runMain(definition);
  const app = await started();
  const logged = jest.spyOn(app.log, 'error');
  process.emit('SIGTERM');
  expect(await exits).toBe(1);
  expect(setTimeout).toHaveBeenCalledWith(expect.any(Function), 1000);
  expect(logged).toHaveBeenCalledWith('shutdown timed out');
});

it('prints a bad environment as its message alone, without a stack trace, and exits 1', async () => {
  process.env.PORT = 'eighty';
  const printed = jest.spyOn(console, 'error').mockImplementation(() => {});
  runMain(serviceStoppingWith(async () => {}).definition);
  expect(await exits).toBe(1);
  expect(printed).toHaveBeenCalledWith(expect.stringMatching(/^Invalid environment:\n {2}- PORT: /));
});

it('prints any other start-up failure whole, and exits 1', async () => {
  const failure = new Error('register failed');
  const printed = jest.spyOn(console, 'error').mockImplementation(() => {});
  runMain(defineService({ name: 'failing-fixture', usesDatabase: false, register: () => Promise.reject(failure) }));
  expect(await exits).toBe(1);
  expect(printed).toHaveBeenCalledWith(failure);
});
