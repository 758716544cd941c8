/**
 * Card action verbs: the one list shared by the card templates (written into them: cards/render.ts) and the bot's
 * router.
 * Dotted names read as "resource.action".
 */
export const Verb = {
  ListAppointments: 'appointments.list',
  /** The list after reading the tenant again for the user's businesses (someone just added them as staff). */
  RefreshBusinesses: 'businesses.refresh',
  PromptCancel: 'appointment.cancel.prompt',
  ConfirmCancel: 'appointment.cancel.confirm',
  ShowDetails: 'appointment.details',
  /** A day's appointments to cancel with one message ("Cancel this day", "cancel today"). */
  PromptCancelDay: 'day.cancel.prompt',
  ConfirmCancelDay: 'day.cancel.confirm',
  /** "Retry the failed ones" of a day's cancellation. */
  RetryCancelDay: 'day.cancel.retry',
  /** A day's cancellation as it stands now (Refresh on its card); one whose instance stopped is taken over. */
  CancelDayProgress: 'day.cancel.progress',
} as const;

export type Verb = (typeof Verb)[keyof typeof Verb];
