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

/** The local service's data: the seed, plus what has been cancelled since it started. */
export class BookingsStore {
  readonly cancellations: CancellationRecord[] = [];
  private readonly cancelled = new Set<SeedAppointment>();

  constructor(private readonly seed: Seed) {}

  businessesOf(user: DirectoryUser): SeedBusiness[] {
    return this.seed.businesses.filter((b) => this.staffRecord(b, user) !== undefined);
  }

  business(id: string): SeedBusiness | undefined {
    return this.seed.businesses.find((b) => b.id.toLowerCase() === id.toLowerCase());
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
    return this.seed.appointments.filter((a) => a.businessId === business.id && !this.cancelled.has(a));
  }
}
