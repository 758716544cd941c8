import { describe, expect, it } from 'vitest';
import { graphRoute } from '../../src/telemetry/routes.js';

describe('the routes spans are named after', () => {
  it('replace every Graph id by a placeholder named after its collection, and drop the query', () => {
    const base = 'https://graph.microsoft.com/v1.0';
    const business = encodeURIComponent('ContosoLunchDelivery@contoso.onmicrosoft.com');
    const cases: [string, string][] = [
      [`${base}/me?$select=id,displayName,mail`, '/v1.0/me'],
      [`${base}/solutions/bookingBusinesses`, '/v1.0/solutions/bookingBusinesses'],
      [`${base}/solutions/bookingBusinesses/${business}?$select=id,displayName`, '/v1.0/solutions/bookingBusinesses/:businessId'],
      [`${base}/solutions/bookingBusinesses/${business}/calendarView?start=2026-12-01T00:00:00Z&end=2026-12-15T00:00:00Z`, '/v1.0/solutions/bookingBusinesses/:businessId/calendarView'],
      [`${base}/solutions/bookingBusinesses/${business}/appointments/${encodeURIComponent('AAMkADc7=+/x')}/cancel`, '/v1.0/solutions/bookingBusinesses/:businessId/appointments/:appointmentId/cancel'],
      [`${base}/solutions/bookingBusinesses/${business}/staffMembers`, '/v1.0/solutions/bookingBusinesses/:businessId/staffMembers'],
      [`${base}/$batch`, '/v1.0/$batch'],
      // Graph's next links use OData's key syntax: read as the path form, so both pages count as one route.
      [`${base}/solutions/bookingBusinesses('${business}')/calendarView?$skiptoken=abc`, '/v1.0/solutions/bookingBusinesses/:businessId/calendarView'],
      ['https://graph.microsoft.com/beta/bookingBusinesses/x%40y/appointments/z', '/beta/bookingBusinesses/:businessId/appointments/:appointmentId'],
      // A path this file does not know gives nothing away; nor do Object's own names.
      [`${base}/users/AdeleV@contoso.onmicrosoft.com/calendar/events/AAMk`, '/v1.0/users/:userId/:id/:id/:id'],
      [`${base}/constructor/toString/__proto__`, '/v1.0/:id/:id/:id'],
      ['not a url', '/:unreadable'],
    ];
    for (const [url, route] of cases) expect(graphRoute(url), url).toBe(route);
  });
});
