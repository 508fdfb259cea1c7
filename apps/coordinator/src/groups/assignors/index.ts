import type { AssignorName } from '../../metadata/group-state.js';
import type { Assignor } from './assignor.js';
import { rangeAssignor } from './range.js';
import { uniformStickyAssignor } from './uniform-sticky.js';

export type { AssignmentSpec, Assignor, AssignorMember } from './assignor.js';

/** The assignors by the name clients ask for. */
export const ASSIGNOR_BY_NAME: Record<AssignorName, Assignor> = {
  uniform: uniformStickyAssignor,
  range: rangeAssignor,
};
