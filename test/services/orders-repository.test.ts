import pg from 'pg';
import { runMigrations } from '../../services/kit';
import { ordersMigrations } from '../../services/orders/migrations';
import { PLACE_ORDER, ordersRepository } from '../../services/orders/repository';
import { orderPlaced } from './orders-fixtures';
import { freshDatabase, type FreshDatabase } from './support/database';

/** The orders repository as PostgreSQL sees it: a database of its own with the orders schema. */

let database: FreshDatabase;
beforeAll(async () => {
  database = await freshDatabase();
  const pool = new pg.Pool({ connectionString: database.url, max: 1 });
  try {
    await runMigrations(pool, 'orders', ordersMigrations);
  } finally {
    await pool.end();
  }
});
afterAll(() => database?.drop());

it('writes each order and its event with one statement, prepared once per connection under its name', async () => {
  // One connection: the statements it has prepared are what the test sees.
  const pool = new pg.Pool({ connectionString: database.url, max: 1 });
  try {
    const repository = ordersRepository(pool);
    await repository.placeOrder(orderPlaced());
    await repository.placeOrder(orderPlaced());

    const { rows } = await pool.query('SELECT name, statement FROM pg_prepared_statements');
    expect(rows).toEqual([{ name: 'orders.place', statement: PLACE_ORDER.text }]);
  } finally {
    await pool.end();
  }
});
