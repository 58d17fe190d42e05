import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import { buildNotification, formatMoney } from '../../functions/notifier/notification';
import { orderPlacedDetailSchema } from '../../functions/shared/order-events';
import { orderPlacedDetail } from './order-event-fixtures';

describe('notifier notification', () => {
  it.each([
    [2999, 'EUR', '€29.99'],
    [123456789, 'USD', '$1,234,567.89'],
    [5, 'GBP', '£0.05'],
    [0, 'USD', '$0.00'],
    [100, 'EUR', '€1.00'],
  ] as const)('formats %i cents of %s as %s', (cents, currency, expected) => {
    expect(formatMoney(cents, currency)).toBe(expected);
  });

  it('formats every amount of every currency of the schema as Intl.NumberFormat does for en-US', () => {
    fc.assert(
      fc.property(fc.nat(), fc.constantFrom(...orderPlacedDetailSchema.shape.currency.options), (cents, currency) => {
        expect(formatMoney(cents, currency)).toBe(new Intl.NumberFormat('en-US', { style: 'currency', currency }).format(cents / 100));
      }),
    );
  });

  it('counts units and products', () => {
    const one = buildNotification(orderPlacedDetail({ items: [{ productId: randomUUID(), quantity: 1, unitPriceCents: 100 }], totalCents: 100, currency: 'GBP' }));
    expect(one.Message.split('\n').slice(1)).toEqual(['Items: 1 (1 product)', 'Total: £1.00']);
    const many = buildNotification(
      orderPlacedDetail({
        items: [
          { productId: randomUUID(), quantity: 3, unitPriceCents: 100 },
          { productId: randomUUID(), quantity: 4, unitPriceCents: 100 },
          { productId: randomUUID(), quantity: 1000, unitPriceCents: 1 },
        ],
      }),
    );
    expect(many.Message).toContain('Items: 1007 (3 products)');
  });

  it('keeps the subject within what SNS accepts: at most 100 printable ASCII characters, one line', () => {
    const { Subject } = buildNotification(orderPlacedDetail());
    expect(Subject.length).toBeLessThanOrEqual(100);
    expect(Subject).toMatch(/^[\x20-\x7e]+$/);
  });

  it('carries the customer e-mail only as a message attribute', () => {
    const order = orderPlacedDetail({ customerEmail: 'ada.lovelace@example.com' });
    const notification = buildNotification(order);
    expect(notification.Subject).not.toContain('ada.lovelace');
    expect(notification.Message).not.toContain('ada.lovelace');
    expect(notification.MessageAttributes.customerEmail).toEqual({ DataType: 'String', StringValue: 'ada.lovelace@example.com' });
    expect(notification.MessageAttributes.eventType).toEqual({ DataType: 'String', StringValue: 'OrderPlaced' });
  });
});
