import { accessTo, type Membership } from './access.js';
import { CodedError, ErrorCode } from './errors.js';
import type { StaffDirectory } from './staffDirectory.js';
import type { Acting, Appointment, Business, UpcomingAppointment } from './types.js';

/** A business as this user is placed in it: its name, its staff's names, and the user's own staff record (if any). */
export interface BusinessContext {
  business: Business;
  staffNames: Record<string, string>;
  me: Membership;
}

export async function contextOf(directory: StaffDirectory, acting: Acting, businessId: string): Promise<BusinessContext> {
  const { business, place } = await directory.placeOf(acting, businessId);
  return { business, staffNames: place?.staffNames ?? {}, me: place?.me };
}

/** Graph refusing this user in a business where the directory placed them: they are no longer staff, or not in that role. */
export function losesPlace(error: unknown): boolean {
  return error instanceof CodedError && (error.code === ErrorCode.Forbidden || error.code === ErrorCode.NotStaffOfBusiness);
}

/**
 * Graph's answer to a call in one business. A refusal of the business (the user was removed as staff, or their role
 * changed) means what the directory remembers of it is out of date: the place is dropped (StaffDirectory.drop).
 */
export async function forgettingRefusal<T>(directory: StaffDirectory, acting: Acting, businessId: string, work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    if (losesPlace(error)) await directory.drop(acting, businessId);
    throw error;
  }
}

/** The appointment placed in the user's context, if the access rule lets them `need` it; Forbidden otherwise. */
export function authorized(context: BusinessContext, appointment: Appointment, need: 'see' | 'cancel'): UpcomingAppointment {
  const access = accessTo(context.me, appointment);
  if (!(need === 'see' ? access.maySee : access.mayCancel)) throw new CodedError(ErrorCode.Forbidden, `The user may not ${need} this appointment`);
  return placeInContext(appointment, context);
}

export function placeInContext(appointment: Appointment, { business, staffNames, me }: BusinessContext): UpcomingAppointment {
  return {
    ...appointment,
    businessName: business.displayName,
    // Own keys only: an id is Graph's text, and must not reach the object's prototype.
    staffNames: appointment.staffMemberIds.map((id) => (Object.hasOwn(staffNames, id) ? staffNames[id] : undefined)).filter((n) => n !== undefined),
    // Graph can cancel only what it can address by id.
    canCancel: accessTo(me, appointment).mayCancel && appointment.openableById,
  };
}
