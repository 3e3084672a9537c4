// The request bodies: events with about 100-byte payloads, as the issue asks.

export function eventAt(i: number) {
  return {
    type: ['page_viewed', 'Clicked', 'clicked', 'added_to_cart', 'Checkout'][i % 5]!,
    timestamp: new Date(Date.UTC(2024, 4, 1, 12, 0, i % 60)).toISOString(),
    payload: {
      page: `/products/${10_000 + i}`,
      referrer: 'https://example.com/search?q=running+shoes',
      session: 's-4f9a2c',
      n: i,
    },
  };
}

export function batchBody(events: number): string {
  return JSON.stringify({
    tenantId: 'bench-tenant',
    events: Array.from({ length: events }, (_, i) => eventAt(i)),
  });
}
