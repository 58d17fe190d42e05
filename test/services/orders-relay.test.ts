import { EventBridgeClient, PutEventsCommand, type PutEventsCommandInput, type PutEventsCommandOutput } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { runMigrations } from '../../services/kit';
import { ordersMigrations } from '../../services/orders/migrations';
import { relayOnce, startOutboxRelay, type OutboxRelay, type OutboxRelayOptions, type RelayResult } from '../../services/orders/outbox-relay';
import { ordersRepository } from '../../services/orders/repository';
import { TEST_BUS, orderPlaced, silentLogger } from './orders-fixtures';
import { freshDatabase, type FreshDatabase } from './support/database';
import { waitFor } from './support/wait-for';

/**
 * The outbox relay's finer points: what it records of a publish that failed, how long it lets
 * PutEvents take, what it logs, and when its loop runs (or does not). Real PostgreSQL (the orders
 * schema, migrated here); EventBridge mocked at the SDK client.
 */

const eventBridge = mockClient(EventBridgeClient);
const client = new EventBridgeClient({ region: 'eu-west-1' });

let database: FreshDatabase;
let pool: pg.Pool;
beforeAll(async () => {
  database = await freshDatabase();
  pool = new pg.Pool({ connectionString: database.url, max: 4 });
  pool.on('error', (error) => console.warn('idle test connection closed:', error.message));
  await runMigrations(pool, 'orders', ordersMigrations);
});
afterAll(async () => {
  await pool?.end();
  await database?.drop();
});

/** EventBridge accepting every entry, as when all is well. */
const accepted = async (input: PutEventsCommandInput): Promise<Partial<PutEventsCommandOutput>> => ({
  FailedEntryCount: 0,
  Entries: input.Entries!.map(() => ({ EventId: randomUUID() })),
});

/** Replaces EventBridge's behaviour (a second on() for the same command would not chain with the first). */
const putEvents = () => {
  eventBridge.reset();
  return eventBridge.on(PutEventsCommand);
};

beforeEach(async () => {
  await pool.query('TRUNCATE orders, outbox');
  putEvents().callsFake(accepted);
});

/** Committed orders whose events wait in the outbox; resolves with their ids, oldest first. */
async function seed(count: number): Promise<string[]> {
  const repository = ordersRepository(pool);
  const ids: string[] = [];
  for (let index = 0; index < count; index++) ids.push((await repository.placeOrder(orderPlaced())).id);
  return ids;
}

async function lastErrors(): Promise<(string | null)[]> {
  const { rows } = await pool.query<{ last_error: string | null }>('SELECT last_error FROM outbox ORDER BY id');
  return rows.map((row) => row.last_error);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A PutEvents held until release() is called, then accepted; later calls are accepted at once. */
function holdFirstPublish(): { release: () => void; calls: () => number } {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  putEvents()
    .callsFakeOnce(async (input: PutEventsCommandInput) => {
      await released;
      return accepted(input);
    })
    .callsFake(accepted);
  return { release, calls: () => eventBridge.commandCalls(PutEventsCommand).length };
}

describe('what a pass records of events it could not publish', () => {
  it.each([
    { answer: 'a shorter list of results than events', response: { FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] }, expected: [null, 'no result entry for this event'] },
    { answer: 'no list of results at all', response: { FailedEntryCount: 0 }, expected: ['no result entry for this event', 'no result entry for this event'] },
  ])('says an event had no result when EventBridge answers with $answer', async ({ response, expected }) => {
    await seed(2);
    putEvents().resolvesOnce(response);

    await relayOnce(pool, client, TEST_BUS);

    expect(await lastErrors()).toEqual(expected);
  });

  it('records the error code of a refused event even when EventBridge gives no message', async () => {
    await seed(1);
    putEvents().resolvesOnce({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'ThrottlingException' }] });

    expect(await relayOnce(pool, client, TEST_BUS)).toMatchObject({ sent: 0, failed: 1 });
    expect(await lastErrors()).toEqual(['ThrottlingException: ']);
  });

  it('keeps the first 1000 characters of a long error', async () => {
    await seed(1);
    const message = 'x'.repeat(2000);
    putEvents().rejectsOnce(new Error(message));

    await relayOnce(pool, client, TEST_BUS);

    expect(await lastErrors()).toEqual([`Error: ${message}`.slice(0, 1000)]);
  });

  it('records a failure that is not an Error as it was thrown', async () => {
    await seed(1);
    // Anything can be thrown in JavaScript (a middleware, a polyfill); the relay keeps what it can.
    putEvents().callsFakeOnce(() => Promise.reject('socket hang up'));

    await relayOnce(pool, client, TEST_BUS);

    expect(await lastErrors()).toEqual(['socket hang up']);
  });
});

describe('the publish timeout', () => {
  it('abandons a PutEvents call that outlasts publishTimeoutMs, and keeps its events for a retry', async () => {
    await seed(1);
    // An EventBridge that answers only after seconds, or fails as the SDK does once the call's abort signal fires.
    putEvents().callsFake(async (input: PutEventsCommandInput) => {
      // send(command, options): the options of this call, as the stub recorded them.
      const [, options] = eventBridge.send.lastCall.args as unknown as [unknown, { abortSignal?: AbortSignal } | undefined];
      await new Promise<void>((resolve, reject) => {
        const late = setTimeout(resolve, 3000);
        options?.abortSignal?.addEventListener('abort', () => {
          clearTimeout(late);
          reject(Object.assign(new Error('Request aborted'), { name: 'AbortError' }));
        });
      });
      return accepted(input);
    });

    // Had the call not been abandoned, the late answer would have published the event.
    const result = await relayOnce(pool, client, TEST_BUS, { publishTimeoutMs: 100 });

    expect(result).toEqual({ claimed: 1, sent: 0, failed: 1, retryInMs: expect.any(Number) });
    expect(await lastErrors()).toEqual(['AbortError: Request aborted']);
  });
});

describe('the relay loop', () => {
  /**
   * Whatever a test asserts, the held publish is let go after it, before the relays are stopped (a stop
   * waits for the pass in flight): that pass holds a pooled connection and a row lock.
   */
  let heldPublish: ReturnType<typeof holdFirstPublish> | undefined;
  afterEach(() => heldPublish?.release());
  const running: OutboxRelay[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((relay) => relay.stop()));
  });

  /** A relay with a recording logger; its passes are recorded unless `onPass` is given (undefined: none). */
  function startRelay(options: Partial<OutboxRelayOptions> = {}, relayPool: pg.Pool = pool) {
    const passes: RelayResult[] = [];
    const logger = silentLogger();
    const relay = startOutboxRelay(relayPool, client, TEST_BUS, { logger, onPass: (result) => passes.push(result), ...options });
    running.push(relay);
    return { relay, passes, logger };
  }

  it('calls itself outbox-relay, the name its background task goes by', () => {
    expect(startRelay().relay.name).toBe('outbox-relay');
  });

  it('logs that it has started, naming its bus', () => {
    const { logger } = startRelay();

    expect(logger.info).toHaveBeenCalledWith({ busName: TEST_BUS }, 'outbox relay started');
  });

  it("warns, with the pass's counts, when some events were not published", async () => {
    await seed(1);
    putEvents().rejectsOnce(new Error('blip')).callsFake(accepted);

    // The retry is a minute away: the one pass to look at is the failed one.
    const { passes, logger } = startRelay({ backoffBaseMs: 60_000 });
    await waitFor('a pass', () => passes.length >= 1);

    expect(logger.warn.mock.calls).toEqual([
      [{ claimed: 1, sent: 0, failed: 1, retryInMs: expect.any(Number) }, 'outbox relay: some events were not published; they will be retried'],
    ]);
  });

  it('does not warn after a pass that published everything', async () => {
    await seed(1);

    const { passes, logger } = startRelay();
    await waitFor('a pass', () => passes.length >= 1);

    expect(passes).toEqual([{ claimed: 1, sent: 1, failed: 0 }]);
    expect(logger.warn).not.toHaveBeenCalled();
  });

  it('publishes without an onPass callback, which is optional', async () => {
    const [id] = await seed(1);

    const { relay, logger } = startRelay({ onPass: undefined });
    await waitFor('the event to be published', () => eventBridge.commandCalls(PutEventsCommand).length >= 1);
    await relay.stop();

    expect(eventBridge.commandCalls(PutEventsCommand)[0].args[0].input.Entries!.map((entry) => JSON.parse(entry.Detail!).orderId)).toEqual([id]);
    expect(logger.error).not.toHaveBeenCalled();
  });

  it('doubles its wait after each sweep in a row that the database failed, logging each failure', async () => {
    await seed(1);
    const relayPool = new pg.Pool({ connectionString: database.url, max: 2 });
    const refused = new Error('connection refused');
    jest
      .spyOn(relayPool, 'connect')
      .mockImplementationOnce((() => Promise.reject(refused)) as typeof relayPool.connect)
      .mockImplementationOnce((() => Promise.reject(refused)) as typeof relayPool.connect);
    try {
      const { relay, passes, logger } = startRelay({ backoffBaseMs: 20 }, relayPool);
      await waitFor('a pass once the database is back', () => passes.length >= 1);
      await relay.stop();

      expect(logger.error.mock.calls).toEqual([
        [{ err: refused, retryInMs: 20 }, 'outbox relay sweep failed'],
        [{ err: refused, retryInMs: 40 }, 'outbox relay sweep failed'],
      ]);
    } finally {
      await relayPool.end();
    }
  });

  it('runs no retry it had scheduled once stopped', async () => {
    await seed(1);
    putEvents().rejects(new Error('throttled'));
    const { relay, passes } = startRelay({ backoffBaseMs: 50, backoffMaxMs: 50 });
    await waitFor('the failed pass', () => passes.length >= 1);
    await relay.stop();

    // The retry was due 50 ms after the failure; it must not come.
    await sleep(200);
    expect(passes).toHaveLength(1);
  });

  it('rests once nothing is due: no pass until it is woken', async () => {
    await seed(1);
    const { relay, passes } = startRelay();
    await waitFor('the start-up sweep', () => passes.length >= 1);

    await sleep(150);
    expect(passes).toHaveLength(1);

    relay.wake();
    await waitFor('a pass after the wake-up', () => passes.length >= 2);
    expect(passes[1]).toEqual({ claimed: 0, sent: 0, failed: 0 });
  });

  /** A relay started with one order pending, whose first publish is held until released; resolves once that publish has begun. */
  async function relayHeldAtItsFirstPublish() {
    await seed(1);
    const publish = (heldPublish = holdFirstPublish());
    const { relay, passes } = startRelay();
    await waitFor('the first publish', () => publish.calls() >= 1);
    return { relay, passes, publish };
  }

  it('never runs two sweeps at once: wake-ups during a sweep bring one more sweep, after it', async () => {
    const { relay, passes, publish } = await relayHeldAtItsFirstPublish();

    relay.wake();
    relay.wake();
    await sleep(100);
    expect(passes).toEqual([]);

    publish.release();
    await waitFor('two passes', () => passes.length >= 2);
    await sleep(100);
    expect(passes).toEqual([
      { claimed: 1, sent: 1, failed: 0 },
      { claimed: 0, sent: 0, failed: 0 },
    ]);
  });

  it('runs no sweep after stop(), even when woken during the sweep that stop() waits for', async () => {
    const { relay, passes, publish } = await relayHeldAtItsFirstPublish();

    relay.wake();
    const stopping = relay.stop();
    publish.release();
    await stopping;
    await sleep(100);

    expect(passes).toEqual([{ claimed: 1, sent: 1, failed: 0 }]);
  });
});
