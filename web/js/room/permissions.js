// A small copy of the server's role table (crates/room/src/permissions.rs), only to show or hide
// buttons. The server decides: a button shown here by mistake gets `forbidden`, nothing else.

// A session's speakers rank with participants; attendees have no rank (they only receive).
const RANK = { participant: 0, speaker: 0, moderator: 1, manager: 2, owner: 3 };
const MODERATING = new Set(['owner', 'manager', 'moderator']);

/** The webinar actions (issue 5): start/stop the live, arrange the stage, see the audience. */
const WEBINAR_MODERATING = new Set(['start_stop_live', 'arrange_stage', 'see_audience']);

/** Actions of the room table that the client shows controls for. */
const ACTIONS = new Set([
  'open_close', 'admit', 'lock', 'mute_others', 'stop_video_others', 'remove', 'change_role', 'lower_hands',
]);

/** Whether `role` may do `action` (one of ACTIONS; chat and raising one's hand are for everyone). */
export function may(role, action) {
  if (action === 'chat' || action === 'raise_hand') return role in RANK;
  if (WEBINAR_MODERATING.has(action)) return MODERATING.has(role);
  // Showing content (content_control) is for speakers too.
  if (action === 'present_content') return MODERATING.has(role) || role === 'speaker';
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
