import type { AuditEntry } from '../../src/bookings/audit.js';

/** An audit entry as a cancel writes it (Adele's, in Contoso), with the fields a test cares about changed. */
export function auditEntry(overrides: Partial<AuditEntry> = {}): AuditEntry {
  return {
    at: new Date().toISOString(),
    attemptId: 'a-1',
    outcome: 'cancelled',
    userObjectId: '87d349ed-44d7-43e1-9a83-5f2406dee5bd',
    tenantId: 'a7b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d',
    businessId: 'ContosoLunchDelivery@contoso.onmicrosoft.com',
    appointmentId: 'AAMkADKnAAA=',
    graphRequestId: '5f2c1b7e-0000-4000-8000-000000000001',
    ...overrides,
  };
}
