import { EventBridgeClient, PutEventsCommand, type PutEventsCommandInput, type PutEventsResultEntry } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { ORDER_EVENTS_SOURCE, ORDER_PLACED, orderPlacedDetailSchema } from '../../functions/shared/order-events';
import { ConfigError, startService, type RunningService } from '../../services/kit';
import { relayOnce, startOutboxRelay, type OutboxRelay, type RelayOptions, type RelayResult } from '../../services/orders/outbox-relay';
import { ordersRepository } from '../../services/orders/repository';
import { ordersService } from '../../services/orders/service';
import { TEST_BUS, orderPlaced, orderRequest, ordersEnv, rowCounts, silentLogger, startPricingCatalog, type PricingCatalog } from './orders-fixtures';
import { freshDatabase } from './support/database';
import { waitFor } from './support/wait-for';

const eventBridge = mockClient(EventBridgeClient);
// Only the client is mocked; the relay under test talks to a real EventBridgeClient instance.
const client = new EventBridgeClient({ region: 'eu-west-1' });

/** Prices the orders placed through the API. */
let catalog: PricingCatalog;
let database: Awaited<ReturnType<typeof freshDatabase>>;
/** Migrated by the service's own start-up; a single connection, so a connection left mid-transaction would show. */
let service: RunningService;
/** A separate pool for the relays, large enough for them to really run side by side. */
let pool: pg.Pool;

beforeAll(async () => {
  catalog = await startPricingCatalog();
  database = await freshDatabase();
  service = await startService(ordersService, ordersEnv(database.url, catalog.url, { DATABASE_POOL_SIZE: '1' }));
  pool = new pg.Pool({ connectionString: database.url, max: 8 });
  // As node-postgres advises for every pool: an idle connection the server closes must not crash the run.
  pool.on('error', (error) => console.warn('idle test connection closed:', error.message));
});
afterAll(async () => {
  await pool?.end();
  await service?.shutdown();
  await database?.drop();
  await catalog?.stop();
});
beforeEach(async () => {
  await pool.query('TRUNCATE orders, outbox');
  eventBridge.reset();
  eventBridge.on(PutEventsCommand).callsFake(accept());
});

/** What EventBridge does when all is well: accept every entry (after an optional delay). */
function accept(delayMs = 0) {
  return async (input: PutEventsCommandInput) => {
    if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
    return { FailedEntryCount: 0, Entries: input.Entries!.map((): PutEventsResultEntry => ({ EventId: randomUUID() })) };
  };
}

/** Replaces the mock's behaviour (a second on() for the same command would not chain with the first). */
const putEvents = () => {
  eventBridge.reset();
  return eventBridge.on(PutEventsCommand);
};

/** Every entry EventBridge was asked to put, in call order. */
function publishedEntries() {
  return eventBridge.commandCalls(PutEventsCommand).flatMap((call) => call.args[0].input.Entries ?? []);
}
const publishedOrderIds = () => publishedEntries().map((entry) => (JSON.parse(entry.Detail!) as { orderId: string }).orderId);

async function seed(count: number): Promise<string[]> {
  const repository = ordersRepository(pool);
  const ids: string[] = [];
  for (let index = 0; index < count; index++) ids.push((await repository.placeOrder(orderPlaced())).id);
  return ids;
}

async function outboxRows() {
  const { rows } = await pool.query<{ aggregate_id: string; sent: boolean; attempts: number; last_error: string | null; due_in_ms: number }>(
    `SELECT aggregate_id, sent_at IS NOT NULL AS sent, attempts, last_error,
            (extract(epoch FROM next_attempt_at - clock_timestamp()) * 1000)::float8 AS due_in_ms
       FROM outbox ORDER BY id`,
  );
  return rows;
}

/** Time passes: every pending row becomes due. */
const makeAllDue = () => pool.query('UPDATE outbox SET next_attempt_at = now() WHERE sent_at IS NULL');

describe('the transactional outbox', () => {
  it('leaves neither the order nor its event when the transaction fails after the order insert', async () => {
    // The outbox insert fails; the trigger first records (in a sequence, which a rollback does not undo)
    // that the order row was already written in the same transaction.
    await pool.query(`
      CREATE SEQUENCE order_seen_by_outbox_trigger;
      CREATE FUNCTION fail_outbox_insert() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF EXISTS (SELECT 1 FROM orders WHERE id = NEW.aggregate_id) THEN
          PERFORM nextval('order_seen_by_outbox_trigger');
        END IF;
        RAISE EXCEPTION 'injected failure after the order insert';
      END $$;
      CREATE TRIGGER fail_outbox_insert BEFORE INSERT ON outbox FOR EACH ROW EXECUTE FUNCTION fail_outbox_insert();
    `);
    try {
      const response = await service.app.inject({ method: 'POST', url: '/orders', payload: orderRequest(catalog) });

      expect(response.statusCode).toBe(500);
      // No internals leak to the client.
      expect(response.body).not.toMatch(/injected|outbox|orders/);
      const { rows } = await pool.query('SELECT last_value, is_called FROM order_seen_by_outbox_trigger');
      expect(rows[0]).toEqual({ last_value: '1', is_called: true });
      expect(await rowCounts(pool)).toEqual({ orders: 0, outbox: 0 });
    } finally {
      await pool.query('DROP TRIGGER fail_outbox_insert ON outbox; DROP FUNCTION fail_outbox_insert(); DROP SEQUENCE order_seen_by_outbox_trigger');
    }
    // The service's only connection went back to the pool rolled back: the next order goes through.
    const next = await service.app.inject({ method: 'POST', url: '/orders', payload: orderRequest(catalog) });
    expect(next.statusCode).toBe(201);
    expect(await rowCounts(pool)).toEqual({ orders: 1, outbox: 1 });
  });
});

describe('relayOnce', () => {
  it('publishes pending events to the bus with the shared source and detail type, and marks them sent', async () => {
    const ids = await seed(3);

    expect(await relayOnce(pool, client, TEST_BUS)).toEqual({ claimed: 3, sent: 3, failed: 0 });

    const calls = eventBridge.commandCalls(PutEventsCommand);
    expect(calls).toHaveLength(1);
    const entries = calls[0].args[0].input.Entries!;
    expect(entries.map((entry) => [entry.EventBusName, entry.Source, entry.DetailType])).toEqual(Array(3).fill([TEST_BUS, ORDER_EVENTS_SOURCE, ORDER_PLACED]));
    expect(entries.map((entry) => orderPlacedDetailSchema.parse(JSON.parse(entry.Detail!)).orderId)).toEqual(ids);
    expect((await outboxRows()).map((row) => row.sent)).toEqual([true, true, true]);

    // Nothing left: the next pass publishes nothing.
    expect(await relayOnce(pool, client, TEST_BUS)).toEqual({ claimed: 0, sent: 0, failed: 0 });
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(1);
  });

  it('refuses a batch size outside 1 to 10 (EventBridge takes at most 10 entries a call), and takes both ends', async () => {
    for (const batchSize of [0, 11, 2.5]) {
      await expect(relayOnce(pool, client, TEST_BUS, { batchSize })).rejects.toThrow(new RangeError(`batchSize must be an integer from 1 to 10, got ${batchSize}`));
    }
    await seed(2);
    expect(await relayOnce(pool, client, TEST_BUS, { batchSize: 1 })).toMatchObject({ claimed: 1, sent: 1 });
    expect(await relayOnce(pool, client, TEST_BUS, { batchSize: 10 })).toMatchObject({ claimed: 1, sent: 1 });
  });

  it('takes at most 10 events per PutEvents call, oldest first', async () => {
    const ids = await seed(13);

    expect(await relayOnce(pool, client, TEST_BUS)).toMatchObject({ claimed: 10, sent: 10 });
    expect(await relayOnce(pool, client, TEST_BUS)).toMatchObject({ claimed: 3, sent: 3 });

    expect(eventBridge.commandCalls(PutEventsCommand).map((call) => call.args[0].input.Entries!.length)).toEqual([10, 3]);
    expect(publishedOrderIds()).toEqual(ids);
  });

  it('keeps the events pending when PutEvents fails, backs off, and delivers them on the next attempt', async () => {
    const ids = await seed(2);
    putEvents().rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' })).callsFake(accept());

    const failedPass = await relayOnce(pool, client, TEST_BUS);
    expect(failedPass).toEqual({ claimed: 2, sent: 0, failed: 2, retryInMs: expect.any(Number) });
    for (const row of await outboxRows()) {
      expect(row).toMatchObject({ sent: false, attempts: 1, last_error: 'ThrottlingException: Rate exceeded' });
      expect(row.due_in_ms).toBeGreaterThan(500);
    }
    // The pass says when they are due again (the default backoff base is 1 s).
    expect(failedPass.retryInMs).toBeGreaterThan(500);
    expect(failedPass.retryInMs).toBeLessThanOrEqual(1000);

    // Not due yet: the next pass leaves them alone.
    expect(await relayOnce(pool, client, TEST_BUS)).toEqual({ claimed: 0, sent: 0, failed: 0, retryInMs: expect.any(Number) });
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(1);

    await makeAllDue();
    expect(await relayOnce(pool, client, TEST_BUS)).toEqual({ claimed: 2, sent: 2, failed: 0 });
    expect((await outboxRows()).map(({ sent, attempts }) => ({ sent, attempts }))).toEqual([
      { sent: true, attempts: 1 },
      { sent: true, attempts: 1 },
    ]);
    expect(publishedOrderIds()).toEqual([...ids, ...ids]);
  });

  it('retries exactly the entries EventBridge reports as failed', async () => {
    const ids = await seed(3);
    putEvents()
      .resolvesOnce({
        FailedEntryCount: 1,
        Entries: [{ EventId: 'e-1' }, { ErrorCode: 'InternalFailure', ErrorMessage: 'try again' }, { EventId: 'e-3' }],
      })
      .callsFake(accept());

    expect(await relayOnce(pool, client, TEST_BUS)).toEqual({ claimed: 3, sent: 2, failed: 1, retryInMs: expect.any(Number) });
    expect((await outboxRows()).map(({ sent, attempts, last_error }) => ({ sent, attempts, last_error }))).toEqual([
      { sent: true, attempts: 0, last_error: null },
      { sent: false, attempts: 1, last_error: 'InternalFailure: try again' },
      { sent: true, attempts: 0, last_error: null },
    ]);

    await makeAllDue();
    expect(await relayOnce(pool, client, TEST_BUS)).toEqual({ claimed: 1, sent: 1, failed: 0 });
    expect(eventBridge.commandCalls(PutEventsCommand)[1].args[0].input.Entries!.map((entry) => JSON.parse(entry.Detail!).orderId)).toEqual([ids[1]]);
    expect((await outboxRows()).every((row) => row.sent)).toBe(true);
  });

  it('treats a response without a result for an entry as a failure', async () => {
    await seed(2);
    putEvents().resolvesOnce({ FailedEntryCount: 0, Entries: [{ EventId: 'only-one' }] });

    expect(await relayOnce(pool, client, TEST_BUS)).toEqual({ claimed: 2, sent: 1, failed: 1, retryInMs: expect.any(Number) });
    expect((await outboxRows()).map((row) => row.sent)).toEqual([true, false]);
  });

  it('reports when its failed events are due again, leaving rows another relay holds to that relay', async () => {
    await seed(2);
    // Another relay's pass holds the first row, due now, while it publishes it.
    const otherRelay = await pool.connect();
    try {
      await otherRelay.query('BEGIN');
      await otherRelay.query('SELECT id FROM outbox ORDER BY id LIMIT 1 FOR UPDATE');
      putEvents().rejects(new Error('down'));

      const result = await relayOnce(pool, client, TEST_BUS, { backoffBaseMs: 60_000 });

      // Only its own failure counts: counting the held row (due now) would send this relay round again at once.
      expect(result).toEqual({ claimed: 1, sent: 0, failed: 1, retryInMs: expect.any(Number) });
      expect(result.retryInMs).toBeGreaterThan(55_000);
      expect(result.retryInMs).toBeLessThanOrEqual(60_000);
    } finally {
      await otherRelay.query('ROLLBACK');
      otherRelay.release();
    }
  });

  it('backs off exponentially, up to the cap', async () => {
    await seed(1);
    putEvents().rejects(new Error('down'));
    const delays: number[] = [];
    for (let attempt = 0; attempt < 5; attempt++) {
      await makeAllDue();
      await relayOnce(pool, client, TEST_BUS, { backoffBaseMs: 10_000, backoffMaxMs: 60_000 });
      delays.push((await outboxRows())[0].due_in_ms);
    }
    // Measured a moment after the update, hence a little short of the exact delay.
    const expected = [10_000, 20_000, 40_000, 60_000, 60_000];
    delays.forEach((delay, index) => {
      expect(delay).toBeGreaterThan(expected[index] - 3000);
      expect(delay).toBeLessThanOrEqual(expected[index]);
    });
    expect((await outboxRows())[0]).toMatchObject({ sent: false, attempts: 5, last_error: 'Error: down' });
  });

  it('delivers each event exactly once with 4 relays running side by side', async () => {
    const ids = await seed(50);
    // Slow enough that the relays' transactions overlap.
    putEvents().callsFake(accept(15));
    const relayPasses: number[][] = [[], [], [], []];

    await Promise.all(
      relayPasses.map(async (passes) => {
        for (;;) {
          const { claimed } = await relayOnce(pool, client, TEST_BUS);
          if (claimed === 0) return;
          passes.push(claimed);
        }
      }),
    );

    const published = publishedOrderIds();
    expect(published).toHaveLength(50);
    expect(new Set(published)).toEqual(new Set(ids));
    expect((await outboxRows()).every((row) => row.sent)).toBe(true);
    // The work really was shared.
    expect(relayPasses.filter((passes) => passes.length > 0).length).toBeGreaterThan(1);
  });
});

describe('the relay loop', () => {
  const running: OutboxRelay[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((relay) => relay.stop()));
  });

  /** A relay that records its passes, and an order placer that wakes it after each commit, as the service's does. */
  function startRelay(options: RelayOptions = {}, relayPool: pg.Pool = pool) {
    const passes: RelayResult[] = [];
    const logger = silentLogger();
    const relay = startOutboxRelay(relayPool, client, TEST_BUS, { ...options, logger, onPass: (result) => passes.push(result) });
    running.push(relay);
    const repository = ordersRepository(pool, { onOutboxCommitted: relay.wake });
    return { relay, passes, logger, placeOrder: async () => (await repository.placeOrder(orderPlaced())).id };
  }

  it('publishes an order as soon as the API has placed it', async () => {
    const relaying = await startService(ordersService, ordersEnv(database.url, catalog.url, { OUTBOX_RELAY_ENABLED: 'true', DATABASE_IDLE_TIMEOUT_MS: '50' }));
    try {
      // Asleep: the start-up sweep is over (its connection has gone idle and closed) and nothing waits
      // for a retry, so only the order itself can set the relay going.
      await waitFor('the relay to fall asleep', () => relaying.pool.totalCount === 0);

      const response = await relaying.app.inject({ method: 'POST', url: '/orders', payload: orderRequest(catalog) });
      expect(response.statusCode).toBe(201);
      await waitFor('the order to be published and marked sent', async () => (await outboxRows()).every((row) => row.sent));
      expect(publishedOrderIds()).toEqual([response.json().id]);
    } finally {
      await relaying.shutdown();
    }
  });

  it('publishes at start-up the events a crashed process left pending', async () => {
    // Committed by a process that died before its relay published them (nothing wakes a relay here).
    const ids = await seed(3);

    const { passes } = startRelay();
    await waitFor('a pass', () => passes.length === 1);

    expect(passes).toEqual([{ claimed: 3, sent: 3, failed: 0 }]);
    expect(publishedOrderIds()).toEqual(ids);
  });

  it('drains a backlog of more than one batch in one sweep, nothing waking it again', async () => {
    // Two full batches and a part: the sweep goes on while a pass claims a whole batch.
    const ids = await seed(23);

    const { passes } = startRelay();
    await waitFor('three passes', () => passes.length === 3);

    expect(passes).toEqual([
      { claimed: 10, sent: 10, failed: 0 },
      { claimed: 10, sent: 10, failed: 0 },
      { claimed: 3, sent: 3, failed: 0 },
    ]);
    expect(publishedOrderIds()).toEqual(ids);
  });

  it('publishes an order committed during a sweep right after that sweep', async () => {
    const [first] = await seed(1);
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    putEvents()
      .callsFakeOnce(async (input: PutEventsCommandInput) => {
        await released;
        return accept()(input);
      })
      .callsFake(accept());
    // An order whose transaction began before the sweep's: its outbox row is due before the sweep's
    // cut-off but was not committed when the sweep claimed rows, so only the wake-up brings it out.
    const placing = await pool.connect();
    try {
      await placing.query('BEGIN');
      const second = randomUUID();
      await placing.query('INSERT INTO outbox (aggregate_id, event_type, payload) VALUES ($1, $2, $3)', [second, ORDER_PLACED, JSON.stringify(orderPlaced({ orderId: second }))]);

      const { relay, passes } = startRelay();
      await waitFor('the first publish', () => eventBridge.commandCalls(PutEventsCommand).length === 1);
      await placing.query('COMMIT');
      relay.wake();
      release();

      await waitFor('two passes', () => passes.length === 2);
      expect(passes).toEqual([
        { claimed: 1, sent: 1, failed: 0 },
        { claimed: 1, sent: 1, failed: 0 },
      ]);
      expect(publishedOrderIds()).toEqual([first, second]);
    } finally {
      release();
      // Destroyed rather than reused: after an early failure it would still be inside the transaction.
      placing.release(true);
    }
  });

  it('retries a failed publish when its backoff is due, and then arms no timer', async () => {
    const [id] = await seed(1);
    putEvents().rejectsOnce(new Error('blip')).callsFake(accept());

    const { passes } = startRelay({ backoffBaseMs: 50 });
    await waitFor('two passes', () => passes.length === 2);

    expect(passes).toEqual([
      { claimed: 1, sent: 0, failed: 1, retryInMs: expect.any(Number) },
      // Nothing waits for a retry any more: the relay sleeps until an order wakes it.
      { claimed: 1, sent: 1, failed: 0 },
    ]);
    expect(passes[0].retryInMs).toBeLessThanOrEqual(50);
    expect(await outboxRows()).toMatchObject([{ aggregate_id: id, sent: true, attempts: 1, last_error: 'Error: blip' }]);
  });

  it('retries, with backoff, a sweep that the database failed', async () => {
    const [id] = await seed(1);
    const relayPool = new pg.Pool({ connectionString: database.url, max: 2 });
    jest.spyOn(relayPool, 'connect').mockImplementationOnce((() => Promise.reject(new Error('connection refused'))) as typeof relayPool.connect);
    const { relay, passes, logger } = startRelay({ backoffBaseMs: 20 }, relayPool);
    try {
      await waitFor('a pass', () => passes.length === 1);

      expect(logger.error).toHaveBeenCalledTimes(1);
      expect(logger.error.mock.calls[0][0]).toMatchObject({ retryInMs: 20, err: new Error('connection refused') });
      expect(passes).toEqual([{ claimed: 1, sent: 1, failed: 0 }]);
      expect(publishedOrderIds()).toEqual([id]);
    } finally {
      await relay.stop();
      await relayPool.end();
    }
  });

  it('stops cleanly: stop() waits for the pass in flight, which commits, and nothing runs after it', async () => {
    await seed(1);
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let calls = 0;
    putEvents().callsFake(async (input: PutEventsCommandInput) => {
      calls++;
      await released;
      return { FailedEntryCount: 0, Entries: input.Entries!.map(() => ({ EventId: randomUUID() })) };
    });
    const { relay, placeOrder } = startRelay();
    try {
      await waitFor('the first publish', () => calls === 1);

      let stopped = false;
      const stopping = relay.stop().then(() => (stopped = true));
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(stopped).toBe(false);

      release();
      await stopping;
      expect((await outboxRows()).map((row) => row.sent)).toEqual([true]);
    } finally {
      // Whatever happened above, let the pass finish: it holds a pooled connection and a row lock.
      release();
      await relay.stop();
    }

    // An order placed after stop() wakes nothing: had it started a sweep, stop() would wait for it.
    await placeOrder();
    await relay.stop();
    expect(calls).toBe(1);
  });

  it('refuses to start the relay without a bus name', async () => {
    await expect(startService(ordersService, ordersEnv(database.url, catalog.url, { OUTBOX_RELAY_ENABLED: 'true', EVENT_BUS_NAME: '' }))).rejects.toThrow(ConfigError);
  });
});
