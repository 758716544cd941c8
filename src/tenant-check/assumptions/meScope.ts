import { USER_SCOPES } from '../../config/config.js';
import { answerOf, type Finding, isOk, isTransient, type Observations } from '../observations.js';

export const ME_NEEDS_USER_READ = 'GET /me needs User.Read (or a higher User permission): Bookings permissions alone do not allow it';

/** The User permissions (User.Read and higher) in a list of granted scopes. */
function userScopesIn(scopes: readonly string[]): string[] {
  const known = new Set([...USER_SCOPES].map((s) => s.toLowerCase()));
  return scopes.filter((s) => known.has(s.toLowerCase()));
}

/** shared/graph-bookings.md §7.3; config/config.ts refuses a GRAPH_SCOPES without User.Read for it. */
export function checkMeScope(observations: Observations): Finding {
  const { me, grantedScopes } = observations;
  const user = userScopesIn(grantedScopes);
  const evidence = [`token permissions: ${grantedScopes.join(' ') || '(none reported)'}`, `GET /me: ${answerOf(me)}`];
  const finding = (verdict: Finding['verdict']): Finding => ({ assumption: ME_NEEDS_USER_READ, verdict, evidence });
  if (isTransient(me)) return finding('not testable here');
  const refused = me.status === 401 || me.status === 403;
  if (user.length > 0) {
    evidence.push(
      // Entra ID puts every permission consented for the app into its tokens: one without User.Read is not to be had here.
      isOk(me) ? `answered with ${user.join(', ')}; a token without it cannot be had with the bot's app (it carries every consented permission)` : `refused although the token has ${user.join(', ')}`,
    );
    return finding(isOk(me) ? 'confirmed' : 'contradicted');
  }
  evidence.push(isOk(me) ? 'answered without any User permission in the token' : refused ? 'refused without a User permission, as expected' : 'neither answered nor refused');
  return finding(isOk(me) ? 'contradicted' : refused ? 'confirmed' : 'not testable here');
}
