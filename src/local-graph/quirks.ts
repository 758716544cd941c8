/**
 * Ways the local Graph service can answer otherwise than the bot assumes real Graph does (shared/graph-bookings.md
 * §7): one switch per assumption that `npm run check:tenant` reports on, so its tests can watch it report each one
 * contradicted. All are off by default, and then the service answers as documented. None is meant for `npm start`.
 */
export interface GraphQuirks {
  /** Any user may read any business of the tenant (its staff, its calendar): none is refused to someone who is not its staff. */
  outsidersMayRead?: boolean;
  /** Members of evolvable enums after unknownFutureValue (scheduler, teamMember) are sent without `Prefer: include-unknown-enum-members`. */
  enumMembersWithoutPrefer?: boolean;
  /** The delegated permissions GET /me accepts, in place of User.Read and the higher User and Directory ones. */
  meScopes?: string[];
  /** How many businesses GET /solutions/bookingBusinesses lists, in place of Graph's documented 500. */
  businessListLimit?: number;
  /** A "/" sent as %2F stays inside its path segment (the path is split before it is un-escaped): ids holding "/" can be read. */
  encodedSlashStaysInSegment?: boolean;
  /** A cancel answers 200 with the appointment as its body, instead of 204 No Content. */
  cancelAnswersWithBody?: boolean;
}
