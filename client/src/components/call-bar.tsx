/**
 * The person's own call: where it stands (connecting, connected, ended), the
 * call timer, microphone mute, hang up, and ending the conference for everyone.
 */
import { useEffect, useRef, useState } from 'preact/hooks'
import type { RoomView } from '../api/wire.ts'
import { type CallState, isOnCall } from '../call/call-state.ts'
import type { LinkStatus } from '../room/room-events.ts'
import { CallTimer } from './call-timer.tsx'
import { useAction } from './use-action.ts'

export interface CallBarProps {
  call: CallState
  room: RoomView
  /** The person's own label in the room (`web-<identity>`). */
  you: string
  link: LinkStatus
  onMute(muted: boolean): void
  onHangUp(): void
  onEndForEveryone(): Promise<void>
  /** Absent when the call cannot be rejoined (a local call ends when the page hangs up). */
  onRejoin?: () => Promise<void>
  onNewConversation(): void
  /** Asks for the access key again, after the person declined it (link `locked`). */
  onGiveKey(): void
}

export function CallBar(props: CallBarProps) {
  const { call, room } = props
  const ended = room.status === 'ended'
  const onCall = isOnCall(call) && !ended
  const hostEndsIt = endsWithYou(room, props.you)
  // Ended here, but Twilio would not end the call: people are still on it, without the agent.
  const stillOnTwilio = ended && !room.local && room.participants.some((p) => p.status === 'joined')
  const end = useAction(props.onEndForEveryone)
  // Ending it for others who are talking is asked twice; the host's own hang-up, which says
  // what it does, and a retry of an end that Twilio refused are not.
  const others = othersOnCall(room, props.you)
  const [confirming, setConfirming] = useState(false)
  // Asked only while it means something: the others may leave, or the call end, meanwhile.
  const asking = confirming && others > 0 && !ended
  const confirm = useRef<HTMLButtonElement>(null)
  const endButton = useRef<HTMLButtonElement>(null)
  const asked = useRef(false)
  useEffect(() => {
    // The keyboard goes to the question, and back to the button that asked it.
    if (asking) confirm.current?.focus()
    else if (asked.current) endButton.current?.focus()
    // A question overtaken is dropped, not asked again should someone else join later.
    if (!asking) setConfirming(false)
    asked.current = asking
  }, [asking])
  // A call the server ended: the room's next update most often says why (the conference
  // ended, someone removed them). Rejoining is offered once it has had time to come. So
  // for any end of the host's call: Twilio ends the conference with it, unless it still
  // holds the dropped leg, which a rejoin takes over. Not a local call, which has no Rejoin.
  const serverEnded =
    call.phase === 'ended' && !call.hungUp && (!call.dropped || hostEndsIt) && !ended && !room.local
  // A local call whose page could not connect: it has no Rejoin, and nobody else is in it.
  const localFailed = room.local === true && call.phase === 'failed' && !ended
  // The host hung up: the conversation is ending with its call.
  const hostGone = hostEndsIt && call.phase === 'ended' && call.hungUp === true
  // Someone took this page out of the call: it is not offered straight back in.
  const removed =
    !onCall && room.participants.some((p) => p.label === props.you && p.removed === true)
  const [settled, setSettled] = useState(false)
  useEffect(() => {
    setSettled(false)
    if (!serverEnded) return
    const timer = setTimeout(() => setSettled(true), SERVER_END_GRACE_MS)
    return () => clearTimeout(timer)
  }, [serverEnded])
  const rejoin = useAction(async () => props.onRejoin?.())
  const error = end.error ?? rejoin.error ?? call.error
  // Shown in place of the form that started the call: where keyboard focus goes next.
  const bar = useRef<HTMLElement>(null)
  useEffect(() => bar.current?.focus(), [])
  // The button just used (Hang up, Rejoin, End) goes with the state it changed: the
  // keyboard's place stays in the call bar rather than falling back to the page's top.
  useEffect(() => {
    if (document.activeElement === document.body) bar.current?.focus()
  }, [onCall, ended, removed])
  return (
    <section class="card call-bar" aria-label="Your call" tabIndex={-1} ref={bar}>
      <div class="call-line">
        <p class="call-status" role="status">
          {removed
            ? 'Someone on the call removed you from it.'
            : callStatus(call, room, hostEndsIt, !serverEnded || settled)}
        </p>
        {/* Outside the live region: a screen reader should not read out every second. */}
        {onCall && call.connectedAt !== undefined && <CallTimer since={call.connectedAt} />}
      </div>
      {/* Live regions stay in the page, their text changing: many screen readers do not
          read out a region that arrives with its text already in it. Empty, they are hidden. */}
      <p class="notice" role="status">
        {onCall ? quality(call) : undefined}
      </p>
      <p class="notice" role="status">
        {ended
          ? undefined
          : props.link === 'reconnecting'
            ? 'Live updates were interrupted; reconnecting…'
            : props.link === 'locked'
              ? 'Live updates need the access key.'
              : undefined}
      </p>
      {props.link === 'locked' && !ended && (
        <button type="button" onClick={props.onGiveKey}>
          Enter the access key
        </button>
      )}
      <div class="actions">
        {onCall && (
          <button
            type="button"
            disabled={call.phase !== 'connected'}
            onClick={() => props.onMute(!call.muted)}
          >
            {call.muted ? 'Unmute microphone' : 'Mute microphone'}
          </button>
        )}
        {/* The host's leaving ends the conference: the button says so, and ends it here too. */}
        {onCall && hostEndsIt && (
          <button
            type="button"
            class="danger"
            disabled={end.pending}
            onClick={() => void end.run()}
          >
            Hang up and end the call for everyone
          </button>
        )}
        {onCall && (!hostEndsIt || end.error) && (
          <button type="button" class="danger" onClick={props.onHangUp}>
            Hang up
          </button>
        )}
        {!onCall &&
          !ended &&
          !removed &&
          !hostGone &&
          props.onRejoin &&
          (!serverEnded || settled) && (
            <button type="button" disabled={rejoin.pending} onClick={() => void rejoin.run()}>
              Rejoin
            </button>
          )}
        {localFailed && (
          <button
            type="button"
            class="primary"
            onClick={() => {
              // Its room is ended on the way out; the form comes back at once.
              void end.run()
              props.onNewConversation()
            }}
          >
            Start over
          </button>
        )}
        {/* In a local call, hanging up ends it: one button is enough. */}
        {((!ended && !removed && !localFailed && !((room.local || hostEndsIt) && onCall)) ||
          stillOnTwilio) &&
          !asking && (
            <button
              type="button"
              class="danger secondary"
              ref={endButton}
              disabled={end.pending}
              onClick={() => (others > 0 && !ended ? setConfirming(true) : void end.run())}
            >
              End conference for everyone
            </button>
          )}
        {asking && (
          // biome-ignore lint/a11y/useSemanticElements: a group of two buttons, not a form's fieldset
          <div class="confirm" role="group" aria-label="End the conference for everyone?">
            <span>
              End it for {others === 1 ? 'the other person' : `the ${others} others`} on the call
              too?
            </span>
            <button
              type="button"
              class="danger"
              ref={confirm}
              disabled={end.pending}
              onClick={() => {
                setConfirming(false)
                void end.run()
              }}
            >
              Yes, end it for everyone
            </button>
            <button type="button" onClick={() => setConfirming(false)}>
              Keep it going
            </button>
          </div>
        )}
        {(ended || removed) && (
          <button type="button" class="primary" onClick={props.onNewConversation}>
            New conversation
          </button>
        )}
      </div>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </section>
  )
}

/**
 * What the Voice SDK's quality warnings mean for the person, the microphone's first
 * (https://www.twilio.com/docs/voice/sdks/javascript/twiliocall#warning-event).
 */
function quality({ warnings = [] }: CallState): string | undefined {
  if (warnings.includes('constant-audio-input-level')) {
    return 'Your microphone seems silent: check that it is the one you mean, and not muted by your system.'
  }
  if (warnings.length > 0) {
    return 'The connection is poor: the others may hear you break up, and you them.'
  }
  return undefined
}

/** How many people other than this page (and the agent) are on the call or being called. */
function othersOnCall(room: RoomView, you: string): number {
  const on = ['joined', 'ringing', 'dialing']
  return room.participants.filter(
    (p) => p.kind !== 'agent' && p.label !== you && on.includes(p.status),
  ).length
}

/**
 * Whether the person's leaving ends the conference for everyone: they are its host (the
 * first page in it, or the page that started it while nobody has joined yet) and the server
 * runs with END_CONFERENCE_ON_HOST_EXIT. A local call ends with its page anyway.
 */
export const endsWithYou = (room: RoomView, you: string): boolean =>
  !room.local && room.endsWithHost === true && (room.hostLabel ?? you) === you

/** How long a call the server ended waits for the room to say why before offering Rejoin. */
const SERVER_END_GRACE_MS = 2000

function callStatus(
  call: CallState,
  room: RoomView,
  hostEndsIt: boolean,
  rejoinOffered: boolean,
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
      if (room.local) return 'Hanging up…'
      if (call.hungUp) {
        return hostEndsIt
          ? 'Ending the conversation…'
          : 'You left; the conference goes on without you.'
      }
      // Not the person's doing: the connection, or the server (the conference ending, or
      // someone removing them, of which the room's next update tells).
      if (hostEndsIt) {
        return rejoinOffered
          ? 'Your call dropped, and the conversation is still on: rejoin to keep it going.'
          : 'Your call ended.'
      }
      if (call.dropped) return 'Your call dropped; the conference goes on. Rejoin to come back.'
      return rejoinOffered ? 'Your call ended. Rejoin to come back.' : 'Your call ended.'
  }
}
