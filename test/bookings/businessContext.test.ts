import { describe, expect, it } from 'vitest';
import { placeInContext } from '../../src/bookings/businessContext.js';
import type { Appointment } from '../../src/bookings/types.js';

const appointment = (staffMemberIds: string[]): Appointment => ({
  id: 'AAMkA1',
  businessId: 'clinic@contoso.com',
  serviceName: 'Check-up',
  start: new Date('2030-05-06T09:00:00Z'),
  end: new Date('2030-05-06T09:30:00Z'),
  customerName: 'Jordan Miller',
  staffMemberIds,
  openableById: true,
});
const business = { id: 'clinic@contoso.com', displayName: 'Contoso Clinic' };

describe('placeInContext', () => {
  it("names the appointment's staff from the business's names, skipping ids it does not know", () => {
    const placed = placeInContext(appointment(['s-1', 'gone', 's-2']), { business, staffNames: { 's-1': 'Lee Gu', 's-2': 'Alex Wilber' }, me: undefined });
    expect(placed.staffNames).toEqual(['Lee Gu', 'Alex Wilber']);
    expect(placed.businessName).toBe('Contoso Clinic');
  });

  it('takes a staff id that is the name of an Object property for an unknown id, not for a name', () => {
    const placed = placeInContext(appointment(['__proto__', 'constructor', 'toString', 's-1']), { business, staffNames: { 's-1': 'Lee Gu' }, me: undefined });
    expect(placed.staffNames).toEqual(['Lee Gu']);
  });
});
