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
} as const;

export type Verb = (typeof Verb)[keyof typeof Verb];
