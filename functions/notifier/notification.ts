import type { MessageAttributeValue } from '@aws-sdk/client-sns';
import { ORDER_PLACED, type OrderPlacedDetail } from '../shared/order-events';

/** What the notifier publishes for one order: the fields of an SNS Publish request but the topic. */
export interface Notification {
  readonly Subject: string;
  readonly Message: string;
  readonly MessageAttributes: Record<string, MessageAttributeValue>;
}

/** The symbol of every currency of the schema: typed by it, so a new currency does not compile without one. */
const CURRENCY_SYMBOLS: Record<OrderPlacedDetail['currency'], string> = { USD: '$', EUR: '€', GBP: '£' };

/**
 * 123456 cents of EUR → "€1,234.56", as `Intl.NumberFormat('en-US', { style: 'currency' })` writes
 * it (the tests hold it to that), but without Intl: its first use initialises ICU, ~40 ms of CPU in
 * the first invocation of every new execution environment, on a 256 MB function's fraction of a vCPU.
 * Every currency of the schema has two minor digits, and amounts are whole, non-negative cents.
 */
export function formatMoney(cents: number, currency: OrderPlacedDetail['currency']): string {
  const units = String(Math.floor(cents / 100)).replace(/\B(?=(\d{3})+$)/g, ',');
  return `${CURRENCY_SYMBOLS[currency]}${units}.${String(cents % 100).padStart(2, '0')}`;
}

/**
 * The notification of one placed order.
 *
 * PII: the customer's e-mail address travels only as the `customerEmail` message attribute, never in
 * the subject or the text. Attributes reach programmatic subscribers (Lambda, SQS, HTTPS with raw
 * delivery), which need the address to reach the customer and can use it in filter policies, but
 * they are not part of what e-mail and SMS subscriptions (typically an operator's inbox) receive.
 * Nothing else about the customer is sent, and the notifier never logs the address.
 *
 * The order's W3C trace context, when the event has one, goes on as the `traceparent` attribute, for
 * subscribers to continue the order's trace with (SNS passes X-Ray's own header only to some).
 */
export function buildNotification(order: OrderPlacedDetail): Notification {
  const units = order.items.reduce((sum, item) => sum + item.quantity, 0);
  const products = order.items.length;
  const total = formatMoney(order.totalCents, order.currency);
  return {
    // SNS subjects: at most 100 printable ASCII characters, no line breaks (this one is 49).
    Subject: `Order ${order.orderId} placed`,
    Message: [
      `Order ${order.orderId} was placed on ${order.placedAt}.`,
      `Items: ${units} (${products} ${products === 1 ? 'product' : 'products'})`,
      `Total: ${total}`,
    ].join('\n'),
    MessageAttributes: {
      eventType: { DataType: 'String', StringValue: ORDER_PLACED },
      orderId: { DataType: 'String', StringValue: order.orderId },
      customerEmail: { DataType: 'String', StringValue: order.customerEmail },
      ...(order.traceContext && { traceparent: { DataType: 'String', StringValue: order.traceContext.traceparent } }),
    },
  };
}
