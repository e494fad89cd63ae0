// A small copy of the server's role table (crates/room/src/permissions.rs), only to show or hide
// buttons. The server decides: a button shown here by mistake gets `forbidden`, nothing else.

const RANK = { participant: 0, moderator: 1, manager: 2, owner: 3 };
const MODERATING = new Set(['owner', 'manager', 'moderator']);

/** Actions of the room table that the client shows controls for. */
const ACTIONS = new Set([
  'open_close', 'admit', 'lock', 'mute_others', 'stop_video_others', 'remove', 'change_role', 'lower_hands',
]);

/** Whether `role` may do `action` (one of ACTIONS; chat and raising one's hand are for everyone). */
export function may(role, action) {
  if (action === 'chat' || action === 'raise_hand') return role in RANK;
  return ACTIONS.has(action) && MODERATING.has(role);
}

/**
 * The targeting rule: nobody targets the owner, nor someone of a higher rank, nor themselves
 * (except to lower their own hand).
 */
export function mayTarget(me, target, action) {
  if (!me || !target || !may(me.role, action)) return false;
  if (target.id === me.id) return action === 'lower_hands';
  if (target.role === 'owner') return false;
  return (RANK[target.role] ?? 0) <= (RANK[me.role] ?? -1);
}

/** The role `set_role` may give someone, or null (owners and managers get theirs from the room's shares). */
export function roleSwitch(target) {
  if (target.role === 'participant') return 'moderator';
  if (target.role === 'moderator') return 'participant';
  return null;
}
