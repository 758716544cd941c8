import { t } from '../../cards/i18n.js';
import { type AdaptiveCard, renderMessage, showAppointmentsAction } from '../../cards/render.js';
import type { TurnInput } from './types.js';

/** What the bot can do; `notUnderstood` is the text that was not a command. */
export function help(windowDays: number) {
  return (turn: TurnInput, notUnderstood?: string): AdaptiveCard => {
    const { locale } = turn.render;
    const paragraphs = [t(locale, 'help.appointments', { days: windowDays }), t(locale, 'help.cancelDay'), t(locale, 'help.signOut'), t(locale, 'help.help')];
    if (notUnderstood !== undefined) paragraphs.unshift(t(locale, 'help.notUnderstood', { text: notUnderstood.slice(0, 80) }));
    return renderMessage({ locale, title: t(locale, 'help.title'), paragraphs, actions: [showAppointmentsAction(locale)] });
  };
}

export function welcome(turn: TurnInput): AdaptiveCard {
  const { locale } = turn.render;
  return renderMessage({ locale, title: t(locale, 'welcome.title'), paragraphs: [t(locale, 'welcome.text')], actions: [showAppointmentsAction(locale)] });
}
