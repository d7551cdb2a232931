/**
 * What the call bar shows, decided from the person's call and the room alone: where the
 * call stands in words, the notices, and which buttons it offers. Pure, so each case
 * (host or guest, removed or dropped, ended by the server, a local call that failed) is
 * tested without a page.
 */

import { isActive } from '../../../worker/conference/roster.ts'
import type { RoomView } from '../api/wire.ts'
import { type CallState, isOnCall } from '../call/call-state.ts'
import type { LinkStatus } from '../room/room-events.ts'

export interface CallBarFacts {
  call: CallState
  room: RoomView
  /** The person's own label in the room (`web-<identity>`). */
  you: string
  link: LinkStatus
  /**
   * Whether the room is known to be as shown: the live link is up, or the API said so since
   * the call last changed. Only then is a conversation said to be still on.
   */
  roomKnown: boolean
  /** The page has a way back into the call (a local call has none). */
  canRejoin: boolean
  /** A call the server ended has waited long enough for the room to say why. */
  graceOver: boolean
  /** The last attempt to end the conference for everyone failed. */
  endFailed: boolean
}

/** The buttons the bar offers, in the order it shows them. */
export interface CallBarActions {
  giveKey: boolean
  mute: boolean
  /** The host's hang-up, which ends the conference for everyone. */
  hangUpForEveryone: boolean
  hangUp: boolean
  rejoin: boolean
  startOver: boolean
  endForEveryone: boolean
  newConversation: boolean
}

export interface CallBarState {
  onCall: boolean
  ended: boolean
  removed: boolean
  /** The server ended the call: Rejoin waits for the grace before it is offered. */
  serverEnded: boolean
  status: string
  quality: string | undefined
  linkNotice: string | undefined
  /** Others on the call whom ending it for everyone asks about first. */
  othersToAsk: number
  actions: CallBarActions
}

export function callBarState(facts: CallBarFacts): CallBarState {
  const { call, room, you, link } = facts
  const ended = room.status === 'ended'
  const onCall = isOnCall(call) && !ended
  const hostEndsIt = endsWithYou(room, you)
  // Ended here, but Twilio would not end the call: people are still on it, without the agent.
  const stillOnTwilio = ended && !room.local && room.participants.some((p) => p.status === 'joined')
  // A call the server ended: the room's next update most often says why (the conference
  // ended, someone removed them). Rejoining is offered once it has had time to come. So
  // for any end of the host's call: Twilio ends the conference with it, unless it still
  // holds the dropped leg, which a rejoin takes over. Not a local call, which has no Rejoin.
  // A reload is the page's doing, not the server's: Rejoin at once, but for the host, whose
  // leaving (the reload) ends the conference as the room will say shortly.
  const serverEnded =
    call.phase === 'ended' &&
    !call.hungUp &&
    (!(call.reloaded || call.dropped) || hostEndsIt) &&
    !ended &&
    !room.local
  const rejoinOffered = !serverEnded || facts.graceOver
  // A local call whose page could not connect: it has no Rejoin, and nobody else is in it.
  const localFailed = room.local === true && call.phase === 'failed' && !ended
  // A local call whose stream went while the server is out of reach (the live updates cut
  // too), or with the page before a reload: it cannot be rejoined, so it ends here, and is
  // started afresh.
  const localCut =
    room.local === true &&
    call.phase === 'ended' &&
    !call.hungUp &&
    !ended &&
    (link === 'reconnecting' || link === 'closed' || call.reloaded === true)
  const hostGone = hostHasLeft(call, room, you)
  // Someone took this page out of the call: it is not offered straight back in.
  const removed = !onCall && room.participants.some((p) => p.label === you && p.removed === true)
  return {
    onCall,
    ended,
    removed,
    serverEnded,
    status: removed
      ? 'Someone on the call removed you from it.'
      : localCut && !call.reloaded
        ? 'The call was cut off: the connection to the server was lost.'
        : hostGone && facts.endFailed && !ended
          ? HOST_LEFT_END_FAILED
          : callStatus(call, room, hostEndsIt, rejoinOffered, facts.roomKnown),
    quality: onCall ? quality(call) : undefined,
    linkNotice: ended ? undefined : linkNotice(link),
    // Ending it for others who are talking is asked twice; the host's own hang-up, which says
    // what it does, and a retry of an end that Twilio refused are not.
    othersToAsk: ended ? 0 : othersOnCall(room, you),
    actions: {
      giveKey: link === 'locked' && !ended,
      mute: onCall,
      hangUpForEveryone: onCall && hostEndsIt,
      hangUp: onCall && !hostEndsIt,
      rejoin: !onCall && !ended && !removed && !hostGone && facts.canRejoin && rejoinOffered,
      startOver: localFailed || localCut,
      // In a local call, hanging up ends it: one button is enough.
      endForEveryone:
        (!ended &&
          !removed &&
          !localFailed &&
          !localCut &&
          !((room.local || hostEndsIt) && onCall)) ||
        stillOnTwilio,
      newConversation: ended || removed,
    },
  }
}

/**
 * Whether the person's leaving ends the conference for everyone: they are its host (the
 * first page in it, or the page that started it while nobody has joined yet) and the server
 * runs with END_CONFERENCE_ON_HOST_EXIT. A local call ends with its page anyway.
 */
export const endsWithYou = (room: RoomView, you: string): boolean =>
  !room.local && room.endsWithHost === true && (room.hostLabel ?? you) === you

/**
 * The host hung up: the conversation is ending with its call (Twilio's conference ends
 * with the host's leg), whatever the room has yet said of it.
 */
export const hostHasLeft = (call: CallState, room: RoomView, you: string): boolean =>
  endsWithYou(room, you) && call.phase === 'ended' && call.hungUp === true

/** How many people other than this page (and the agent) are on the call or being called. */
function othersOnCall(room: RoomView, you: string): number {
  return room.participants.filter((p) => p.kind !== 'agent' && p.label !== you && isActive(p))
    .length
}

/**
 * What the Voice SDK's quality warnings mean for the person, the microphone's first
 * (https://www.twilio.com/docs/voice/sdks/javascript/twiliocall#warning-event).
 */
function quality({ warnings = [] }: CallState): string | undefined {
  if (warnings.includes('constant-audio-input-level')) {
    return 'Your microphone seems silent: check that it is the one you mean, and not muted by your system.'
  }
  if (warnings.length > 0) return POOR_CONNECTION
  return undefined
}

/**
 * The host hung up at once, and the request that ends the conference failed: Twilio ends
 * its conference with the host's leg (endConferenceOnExit), but the room, the agent and a
 * phone still ringing wait for the server to hear of it. Ending it again is offered.
 */
export const HOST_LEFT_END_FAILED =
  'You left the call. The server could not be told to end the conversation: Twilio ends it once it sees your call gone, but end it for everyone again to be sure.'

/** A dropped call whose conference cannot be checked: it may have ended with the call. */
export const UNKNOWN_AFTER_DROP =
  'Your call dropped, and the server cannot be reached to say whether the conversation is still on. Rejoin to try to come back.'

export const POOR_CONNECTION =
  'The connection is poor: the others may hear you break up, and you them.'

function linkNotice(link: LinkStatus): string | undefined {
  if (link === 'reconnecting') return 'Live updates were interrupted; reconnecting…'
  if (link === 'locked') return 'Live updates need the access key.'
  return undefined
}

function callStatus(
  call: CallState,
  room: RoomView,
  hostEndsIt: boolean,
  rejoinOffered: boolean,
  roomKnown: boolean,
): string {
  if (room.status === 'ended') {
    return `Conversation ended${room.endedReason ? ` (${room.endedReason})` : ''}.`
  }
  switch (call.phase) {
    case 'idle':
    case 'connecting':
      return 'Connecting…'
    case 'connected':
      return 'Connected'
    case 'reconnecting':
      return 'Connection lost; reconnecting…'
    case 'failed':
      return 'Could not connect your call.'
    case 'ended':
      if (call.reloaded) {
        if (room.local) return 'Your call ended when the page was reloaded.'
        return rejoinOffered
          ? 'You left the call when the page was reloaded. Rejoin to come back.'
          : 'You left the call when the page was reloaded, which ends the conversation for everyone.'
      }
      if (room.local) return 'Hanging up…'
      if (call.hungUp) {
        return hostEndsIt
          ? 'Ending the conversation…'
          : 'You left; the conference goes on without you.'
      }
      // Not the person's doing: the connection, or the server (the conference ending, or
      // someone removing them, of which the room's next update tells).
      if ((hostEndsIt && rejoinOffered) || call.dropped) {
        if (!roomKnown) return UNKNOWN_AFTER_DROP
      }
      if (hostEndsIt) {
        return rejoinOffered
          ? 'Your call dropped, and the conversation is still on: rejoin to keep it going.'
          : 'Your call ended.'
      }
      if (call.dropped) return 'Your call dropped; the conference goes on. Rejoin to come back.'
      return rejoinOffered ? 'Your call ended. Rejoin to come back.' : 'Your call ended.'
  }
}
