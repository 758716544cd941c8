import type { DirectoryUser, Seed, SeedAppointment, SeedBusiness, SeedStaffMember } from './seed.js';

export interface CancellationRecord {
  businessId: string;
  appointmentId: string;
  /** userPrincipalName of who cancelled. */
  by: string;
  at: Date;
  cancellationMessage: string;
}

/** Roles that Bookings lets manage appointments; viewers and guests may only look. */
const ROLES_THAT_CANCEL = new Set(['administrator', 'scheduler', 'teamMember']);

/**
 * The local service's data: the seed, plus what has been cancelled since it started. Indexed, so the benchmark's
 * thousands of users and businesses cost the service no more per request than the demo seed does.
 */
export class BookingsStore {
  readonly cancellations: CancellationRecord[] = [];
  private readonly cancelled = new Set<SeedAppointment>();
  private readonly businessesById = new Map<string, SeedBusiness>();
  /** Staff e-mail (lower case) → the businesses where that address is staff. */
  private readonly businessesByStaffEmail = new Map<string, SeedBusiness[]>();
  private readonly appointmentsByBusiness = new Map<string, SeedAppointment[]>();

  constructor(seed: Seed) {
    for (const business of seed.businesses) {
      this.businessesById.set(business.id.toLowerCase(), business);
      for (const member of business.staff) {
        const email = member.emailAddress.toLowerCase();
        this.businessesByStaffEmail.set(email, [...(this.businessesByStaffEmail.get(email) ?? []), business]);
      }
    }
    for (const appointment of seed.appointments) {
      const list = this.appointmentsByBusiness.get(appointment.businessId) ?? [];
      list.push(appointment);
      this.appointmentsByBusiness.set(appointment.businessId, list);
    }
  }

  businessesOf(user: DirectoryUser): SeedBusiness[] {
    const found = new Set([...(this.businessesByStaffEmail.get(user.mail.toLowerCase()) ?? []), ...(this.businessesByStaffEmail.get(user.userPrincipalName.toLowerCase()) ?? [])]);
    return [...found];
  }

  business(id: string): SeedBusiness | undefined {
    return this.businessesById.get(id.toLowerCase());
  }

  staffRecord(business: SeedBusiness, user: DirectoryUser): SeedStaffMember | undefined {
    const emails = [user.mail.toLowerCase(), user.userPrincipalName.toLowerCase()];
    return business.staff.find((s) => emails.includes(s.emailAddress.toLowerCase()));
  }

  canCancel(business: SeedBusiness, user: DirectoryUser): boolean {
    return ROLES_THAT_CANCEL.has(this.staffRecord(business, user)?.role ?? '');
  }

  /** Live (not cancelled) appointments of a business overlapping [start, end), soonest first. */
  calendarView(business: SeedBusiness, start: Date, end: Date): SeedAppointment[] {
    return this.live(business)
      .filter((a) => a.start < end && a.end > start)
      .sort((a, b) => a.start.getTime() - b.start.getTime());
  }

  appointment(business: SeedBusiness, id: string): SeedAppointment | undefined {
    return this.live(business).find((a) => a.id === id);
  }

  cancel(appointment: SeedAppointment, by: DirectoryUser, cancellationMessage: string, at: Date): void {
    this.cancelled.add(appointment);
    this.cancellations.push({ businessId: appointment.businessId, appointmentId: appointment.id, by: by.userPrincipalName, at, cancellationMessage });
  }

  private live(business: SeedBusiness): SeedAppointment[] {
    return (this.appointmentsByBusiness.get(business.id) ?? []).filter((a) => !this.cancelled.has(a));
  }
}
