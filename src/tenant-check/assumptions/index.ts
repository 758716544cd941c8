import type { Finding, Observations } from '../observations.js';
import { checkBusinessList } from './businessList.js';
import { checkListCap } from './listCap.js';
import { checkMeScope } from './meScope.js';
import { checkSlashIds } from './slashIds.js';
import { checkStaffRoles } from './staffRoles.js';
import { checkThrottling } from './throttling.js';

/** Every assumption the tenant check reports on, in the order printed. */
export const CHECKS: readonly ((observations: Observations) => Finding)[] = [checkBusinessList, checkStaffRoles, checkMeScope, checkListCap, checkSlashIds, checkThrottling];
