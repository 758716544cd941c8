import type { DirectoryUser, Seed, SeedAppointment, SeedBusiness, SeedStaffMember } from './seed.js';

export interface CancellationRecord {
  businessId: string;
  appointmentId: string;
  /** userPrincipalName of who cancelled. */
  by: string;
  at: Date;
  cancellationMessage: string;
}

/**
 * Who may cancel which appointment, as Bookings' roles are described for staff (Microsoft 365 admin docs, "Add
 * staff to Bookings": administrators and schedulers manage every booking, team members their own, viewers and
 * guests none). Graph documents no per-role filtering of reads, so reads stay business-wide for any staff member:
 * the bot must apply its own rule to what it is shown. Unassigned bookings may be handled by a team member.
 */
const CANCEL_ANY = new Set(['administrator', 'scheduler']);
const CANCEL_OWN_OR_UNASSIGNED = new Set(['teamMember']);

/**
 * The local service's data: the seed, plus what has been cancelled since it started. Indexed, so the benchmark's
 * thousands of users and businesses cost the service no more per request than the demo seed does.
 */
export class BookingsStore {
  readonly cancellations: CancellationRecord[] = [];
  private readonly cancelled = new Set<SeedAppointment>();
  private readonly businesses: SeedBusiness[];
  private readonly businessesById = new Map<string, SeedBusiness>();
  private readonly appointmentsByBusiness = new Map<string, SeedAppointment[]>();

  constructor(seed: Seed) {
    this.businesses = seed.businesses;
    for (const business of seed.businesses) this.businessesById.set(business.id.toLowerCase(), business);
    for (const appointment of seed.appointments) {
      const list = this.appointmentsByBusiness.get(appointment.businessId) ?? [];
      list.push(appointment);
      this.appointmentsByBusiness.set(appointment.businessId, list);
    }
  }

  /** The tenant's businesses in the order they were created, at most `limit` of them. */
  tenantBusinesses(limit: number): SeedBusiness[] {
    return this.businesses.slice(0, limit);
  }

  business(id: string): SeedBusiness | undefined {
    return this.businessesById.get(id.toLowerCase());
  }

  /**
   * The user's staff record in a business, found the way Bookings does: a staff member's e-mail may be any address of
   * the user's mailbox, in the tenant's domain or another (DC v1.0/resources/bookingstaffmember.md, emailAddress).
   * A member who has not accepted (pendingAcceptance, rejectedByStaff) still finds their record and may read.
   */
  staffRecord(business: SeedBusiness, user: DirectoryUser): SeedStaffMember | undefined {
    const addresses = addressesOf(user);
    return business.staff.find((s) => addresses.includes(s.emailAddress.toLowerCase()));
  }

  /** Only an active member cancels: one who has not accepted the invitation is not yet staff. */
  canCancel(business: SeedBusiness, user: DirectoryUser, appointment: SeedAppointment): boolean {
    const member = this.staffRecord(business, user);
    if (!member || (member.membershipStatus ?? 'active') !== 'active') return false;
    if (CANCEL_ANY.has(member.role)) return true;
    const assigned = appointment.staffMemberIds;
    return CANCEL_OWN_OR_UNASSIGNED.has(member.role) && (assigned.length === 0 || assigned.includes(member.id));
  }

  /** Live (not cancelled) appointments of a business overlapping [start, end), soonest first. */
  calendarView(business: SeedBusiness, start: Date, end: Date): SeedAppointment[] {
    return this.live(business)
      .filter((a) => a.start < end && a.end > start)
      .sort((a, b) => a.start.getTime() - b.start.getTime());
  }

  /** One more appointment (tests and the benchmark build a busy day on top of a seed). */
  add(appointment: SeedAppointment): void {
    const list = this.appointmentsByBusiness.get(appointment.businessId) ?? [];
    list.push(appointment);
    this.appointmentsByBusiness.set(appointment.businessId, list);
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

/** Every address of the user's mailbox, lower case: mail, UPN and each proxy address without its "smtp:" prefix. */
function addressesOf(user: DirectoryUser): string[] {
  const proxies = (user.proxyAddresses ?? []).filter((p) => /^smtp:/i.test(p)).map((p) => p.slice(5));
  return [user.mail, user.userPrincipalName, ...proxies].map((a) => a.toLowerCase());
}
