import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { actionsOf, type Card, textsOf } from '../helpers/botHarness.js';
import {
  accessSeed,
  businessOf,
  customerOf,
  EXPECTED,
  MATRIX_BUSINESS,
  MATRIX_NOW,
  type Role,
  ROLES,
  type Target,
  targetId,
  TARGETS,
  USER_OF,
} from '../helpers/accessSeed.js';
import { type ProductionHarness, startProductionBot } from '../helpers/productionHarness.js';

const FORBIDDEN = "Your Bookings role doesn't allow this. Ask a Bookings administrator or scheduler to do it.";
/** Where the user is not staff at all, Graph refuses the business itself (404 ErrorFolderNotFound), and so does the bot. */
const NOT_STAFF = "You're not a staff member of this business in Bookings (any more), so this appointment can't be shown or changed here.";
const REFUSED_TITLES = ["Couldn't show the appointment", "Couldn't cancel the appointment"];
const MESSAGE = 'Sorry, we have to close today.';


/**
 * Who may see and cancel what, end to end in production mode: every user is signed in with a correctly signed token
 * of their own, and the card data is forged where the list never offered it (a colleague's appointment, another
 * business). The expectations are written out by hand in accessSeed.ts.
 */
describe('the access rule: each role × each action × own / colleague / unassigned / other business', () => {
  let h: ProductionHarness;

  beforeEach(async () => {
    h = await startProductionBot({ LIST_PAGE_SIZE: '20' }, { seed: accessSeed(), clock: () => MATRIX_NOW });
    for (const role of ROLES) await h.tokenService.signInDirectly(teamsIdOf(role), USER_OF[role]);
  });
  afterEach(async () => {
    await h.stop();
  });

  const press = async (role: Role, verb: string, data: Record<string, unknown>) => {
    const answer = await h.click(verb, data, fromOf(role), { clientInfo: { timezone: 'UTC' } });
    expect(answer.status).toBe(200);
    return answer.body.value;
  };
  const cancelPosts = () => h.graph.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/cancel')).length;
  /** The data of a prompt's Confirm: the ids, the card's language and the signed grant. */
  const grantedConfirmOf = (prompt: Card) => {
    const data = actionsOf(prompt).find((a) => a.title === 'Confirm cancellation')!.data as Record<string, unknown>;
    expect(data.grant).toEqual(expect.any(String));
    return data;
  };

  /** A refused answer names no customer, no time and no message: only why. */
  const expectRefused = (card: Card, role: Role, target: Target) => {
    const texts = textsOf(card);
    expect(REFUSED_TITLES).toContain(texts[0]);
    const outsider = role === 'notStaff' || target === 'otherBusiness';
    expect(texts.slice(1).filter((t) => !t.startsWith('Reference:'))).toEqual([outsider ? NOT_STAFF : FORBIDDEN]);
    const json = JSON.stringify(card);
    expect(json).not.toContain(customerOf(role, target));
    expect(json).not.toContain(MESSAGE);
    expect(json).not.toMatch(/\d{1,2}:\d{2}/);
  };

  for (const role of ROLES) {
    it(`${role}: the list, Details, Cancel and Confirm allow exactly what the rule allows`, async () => {
      // The list ("my appointments"): own and unassigned ones that the role may see, with Cancel where it may cancel.
      const list = await press(role, 'appointments.list', { offset: 0, range: 'upcoming', scope: 'mine' });
      const listed: Target[] = TARGETS.filter((t) => t === 'own' || t === 'unassigned').filter((t) => EXPECTED[role][t].see && targetId(role, t));
      for (const target of TARGETS) {
        const shown = textsOf(list).some((text) => text.includes(customerOf(role, target)));
        expect(shown, `${target} listed`).toBe(listed.includes(target));
      }
      const cancellable = actionsOf(list).filter((a) => a.title === 'Cancel').map((a) => (a.data as { appointmentId: string }).appointmentId);
      expect(cancellable.sort()).toEqual(listed.filter((t) => EXPECTED[role][t].cancel).map((t) => targetId(role, t)!).sort());

      for (const target of TARGETS) {
        const appointmentId = targetId(role, target);
        if (!appointmentId) continue;
        const ids = { businessId: businessOf(target), appointmentId, lang: 'en-US' };
        const { see, cancel } = EXPECTED[role][target];

        const details = await press(role, 'appointment.details', ids);
        if (see) expect(textsOf(details), `${target} details`).toEqual(expect.arrayContaining(['Appointment details', expect.stringContaining(customerOf(role, target))]));
        else expectRefused(details, role, target);

        const prompt = await press(role, 'appointment.cancel.prompt', ids);
        if (cancel) expect(textsOf(prompt)[0], `${target} prompt`).toBe('Cancel this appointment?');
        else expectRefused(prompt, role, target);

        const posts = cancelPosts();
        // Allowed: the prompt's own Confirm (with its grant). Refused: a forged Confirm, since no prompt offered one.
        const confirmData = cancel ? grantedConfirmOf(prompt) : ids;
        const outcome = await press(role, 'appointment.cancel.confirm', { ...confirmData, cancellationMessage: MESSAGE });
        if (cancel) {
          expect(textsOf(outcome), `${target} confirm`).toEqual(expect.arrayContaining(['✓ Appointment cancelled', MESSAGE]));
          expect(cancelPosts()).toBe(posts + 1);
        } else {
          expectRefused(outcome, role, target);
          // Refused before anything was sent: no cancel reached Graph.
          expect(cancelPosts(), `${target} cancel POST`).toBe(posts);
        }
      }
      const refusals = TARGETS.filter((t) => targetId(role, t) && !EXPECTED[role][t].cancel).length;
      await expect.poll(async () => (await h.audit()).filter((e) => e.outcome === 'refused' && e.userObjectId === USER_OF[role].id).length).toBe(refusals);
    });
  }

  it('administrators and schedulers may list the whole business; the others get only their own view', async () => {
    for (const role of ROLES) {
      const list = await press(role, 'appointments.list', { offset: 0, range: 'upcoming', scope: 'business' });
      const showsColleague = textsOf(list).some((text) => text.includes(customerOf(role, 'colleague')));
      expect(showsColleague, role).toBe(EXPECTED[role].colleague.see);
    }
  });

  it("replays of another user's cancel get the refusal, not the cancelled card: from the ledger and while it is in flight", async () => {
    const unassigned = { businessId: MATRIX_BUSINESS, appointmentId: targetId('administrator', 'unassigned')!, lang: 'en-US' };
    const colleague = { businessId: MATRIX_BUSINESS, appointmentId: targetId('administrator', 'colleague')!, lang: 'en-US' };

    // In flight: the administrator's cancel is slow at Graph while others confirm the same appointment, with the
    // administrator's own Confirm data (grant included) or made up.
    const adminConfirm = grantedConfirmOf(await press('administrator', 'appointment.cancel.prompt', colleague));
    h.graph.faults.add({ method: 'POST', pathIncludes: '/cancel', delayMs: 1_500 });
    const admin = press('administrator', 'appointment.cancel.confirm', { ...adminConfirm, cancellationMessage: MESSAGE });
    await expect.poll(() => cancelPosts()).toBe(1);
    for (const role of ['teamMember', 'viewer', 'notStaff'] as const) {
      for (const replayed of [colleague, adminConfirm]) {
        expectRefused(await press(role, 'appointment.cancel.confirm', { ...replayed, cancellationMessage: 'Other text' }), 'administrator', 'colleague');
      }
    }
    expect(textsOf(await admin)).toEqual(expect.arrayContaining(['✓ Appointment cancelled', MESSAGE]));

    // From the ledger: after the cancel, a confirm with the same ids by someone who could not have made it.
    const schedulerConfirm = grantedConfirmOf(await press('scheduler', 'appointment.cancel.prompt', unassigned));
    await press('scheduler', 'appointment.cancel.confirm', { ...schedulerConfirm, cancellationMessage: MESSAGE });
    for (const role of ['viewer', 'guest', 'unknownFutureValue', 'notStaff'] as const) {
      expectRefused(await press(role, 'appointment.cancel.confirm', { ...unassigned, cancellationMessage: 'Other text' }), 'administrator', 'unassigned');
    }
    for (const role of ['teamMember', 'viewer', 'notStaff'] as const) {
      expectRefused(await press(role, 'appointment.cancel.confirm', { ...colleague, cancellationMessage: 'Other text' }), 'administrator', 'colleague');
    }
    // Someone who may cancel it is told it is cancelled (with the message the customer got), without a second cancel.
    expect(textsOf(await press('teamMember', 'appointment.cancel.confirm', { ...unassigned, cancellationMessage: 'Other text' }))).toEqual(
      expect.arrayContaining(['✓ Appointment cancelled', MESSAGE]),
    );
    expect(cancelPosts()).toBe(2);
    expect(h.graph.store.cancellations).toHaveLength(2);

    // In flight: 3 roles × (made-up data, the administrator's own); from the ledger: 4 + 3.
    await expect.poll(async () => (await h.audit()).filter((e) => e.outcome === 'refused').length).toBe(13);
    const audit = await h.audit();
    expect(audit.filter((e) => e.outcome === 'repeated').map((e) => e.userObjectId)).toEqual([USER_OF.teamMember.id]);
    expect(audit.filter((e) => e.outcome === 'cancelled').map((e) => e.userObjectId).sort()).toEqual([USER_OF.administrator.id, USER_OF.scheduler.id].sort());
  });
});

function teamsIdOf(role: Role): string {
  return `29:matrix-${role}`;
}

/** The Teams activity fields that make an activity the given role's user's. */
function fromOf(role: Role): Record<string, unknown> {
  const user = USER_OF[role];
  return { from: { id: teamsIdOf(role), aadObjectId: user.id, name: user.displayName } };
}
