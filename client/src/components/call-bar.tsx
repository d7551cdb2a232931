/**
 * The person's own call: where it stands (connecting, connected, ended), the
 * call timer, microphone mute, hang up, and ending the conference for everyone.
 */
import { useEffect, useRef, useState } from 'preact/hooks'
import type { RoomView } from '../api/wire.ts'
import type { CallState } from '../call/call-state.ts'
import type { LinkStatus } from '../room/room-events.ts'
import { callBarState, POOR_CONNECTION } from './call-bar-state.ts'
import { CallTimer } from './call-timer.tsx'
import { EndForEveryone } from './end-for-everyone.tsx'
import { type Freshness, useAction } from './use-action.ts'

export interface CallBarProps {
  call: CallState
  room: RoomView
  /** The person's own label in the room (`web-<identity>`). */
  you: string
  link: LinkStatus
  /** Whether the room shown is known to be current: the live link is up, or the API just said. */
  roomKnown: boolean
  /** When a failed Rejoin no longer holds. */
  freshness: Freshness
  onMute(muted: boolean): void
  onHangUp(): void
  onEndForEveryone(): Promise<void>
  /** Absent when the call cannot be rejoined (a local call ends when the page hangs up). */
  onRejoin?: () => Promise<void>
  onNewConversation(): void
  /** Asks for the access key again, after the person declined it (link `locked`). */
  onGiveKey(): void
}

/** How long a call the server ended waits for the room to say why before offering Rejoin. */
const SERVER_END_GRACE_MS = 2000

/**
 * How long the poor-connection notice stays once the SDK clears its warning: network
 * warnings come and go within seconds, and each return would be announced again. The
 * silent-microphone notice goes at once: the person is waiting to be heard.
 */
const POOR_CONNECTION_LINGER_MS = 10_000

export function CallBar(props: CallBarProps) {
  const { call } = props
  const end = useAction(props.onEndForEveryone)
  const rejoin = useAction(async () => props.onRejoin?.(), props.freshness)
  const [settled, setSettled] = useState(false)
  const state = callBarState({
    call,
    room: props.room,
    you: props.you,
    link: props.link,
    roomKnown: props.roomKnown,
    canRejoin: props.onRejoin !== undefined,
    graceOver: settled,
    endFailed: Boolean(end.error),
  })
  const { onCall, ended, removed, serverEnded, actions } = state
  const canMute = call.phase === 'connected' || call.phase === 'reconnecting'
  useEffect(() => {
    setSettled(false)
    if (!serverEnded) return
    const timer = setTimeout(() => setSettled(true), SERVER_END_GRACE_MS)
    return () => clearTimeout(timer)
  }, [serverEnded])
  const quality = useLingering(state.quality, POOR_CONNECTION, POOR_CONNECTION_LINGER_MS)
  // Each only while it still holds: a failed end until the conversation has ended (unless
  // people are still on Twilio's call, for whom ending it is offered again); the call's
  // own error, such as a lost connection's, not beside a conversation that has ended.
  const endError = !ended || actions.endForEveryone ? end.error : undefined
  const error = endError?.message ?? rejoin.error?.message ?? (ended ? undefined : call.error)
  // Shown in place of the form that started the call: where keyboard focus goes next.
  const bar = useRef<HTMLElement>(null)
  useEffect(() => bar.current?.focus(), [])
  // The button just used (Hang up, Rejoin, End) goes with the state it changed: the
  // keyboard's place stays in the call bar rather than falling back to the page's top.
  useEffect(() => {
    if (document.activeElement === document.body) bar.current?.focus()
  }, [onCall, ended, removed])
  useStickyClearance(bar)
  return (
    <section class="card call-bar" aria-labelledby="call-title" tabIndex={-1} ref={bar}>
      {/* Seen from the status line below; a screen reader's list of headings finds it too. */}
      <h2 id="call-title" class="visually-hidden">
        Your call
      </h2>
      <div class="call-line">
        <p class="call-status" role="status">
          {state.status}
        </p>
        {/* Said in words as well as by the pressed button: a muted microphone is easy to
            forget, and the person may be talking to nobody. Not live: aria-pressed says it. */}
        {onCall && call.muted && <p class="mic-off">Your microphone is off</p>}
        {/* Outside the live region: a screen reader should not read out every second. */}
        {onCall && call.connectedAt !== undefined && <CallTimer since={call.connectedAt} />}
      </div>
      {/* Live regions stay in the page, their text changing: many screen readers do not
          read out a region that arrives with its text already in it. Empty, they take no
          room but stay in the accessibility tree (styles.css). */}
      <p class="notice" role="status">
        {onCall ? quality : undefined}
      </p>
      <p class="notice" role="status">
        {state.linkNotice}
      </p>
      {actions.giveKey && (
        <button type="button" onClick={props.onGiveKey}>
          Enter the access key
        </button>
      )}
      <div class="actions">
        {/* A toggle: its name stays and aria-pressed says whether it is on (a name flipping to
            "Unmute" would be read as "Unmute microphone, pressed"); pressed, it is filled. */}
        {/* Muting is the browser's own (the microphone's track): it works while the call
            reconnects, when the person may most want it. Not before there is a call to mute;
            aria-disabled then, so that the button keeps the keyboard. */}
        {actions.mute && (
          <button
            type="button"
            aria-disabled={!canMute || undefined}
            aria-pressed={call.muted}
            onClick={() => canMute && props.onMute(!call.muted)}
          >
            Mute microphone
          </button>
        )}
        {/* The host's leaving ends the conference: the button says so, and ends it here too. */}
        {actions.hangUpForEveryone && (
          <button
            type="button"
            class="danger"
            aria-disabled={end.pending || undefined}
            onClick={() => void end.run()}
          >
            Hang up and end the call for everyone
          </button>
        )}
        {actions.hangUp && (
          <button
            type="button"
            class="danger"
            onClick={() => {
              props.onHangUp()
              // A local call's room ends when the stream the page started closes. Hung up
              // while still connecting, the page never started one: the room is ended here.
              if (props.room.local && call.phase === 'connecting') void end.run()
            }}
          >
            Hang up
          </button>
        )}
        {actions.rejoin && (
          <button
            type="button"
            aria-disabled={rejoin.pending || undefined}
            onClick={() => void rejoin.run()}
          >
            Rejoin
          </button>
        )}
        {actions.startOver && (
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
        <EndForEveryone
          offered={actions.endForEveryone}
          othersToAsk={state.othersToAsk}
          end={end}
        />
        {actions.newConversation && (
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
 * `notice`, or `lingering` for `ms` after it went, unless it comes back or another notice
 * takes its place. Never blank in between: a live region's text that goes and comes back
 * is announced again.
 */
function useLingering(notice: string | undefined, lingering: string, ms: number) {
  const shown = useRef(notice)
  const [, expired] = useState(0)
  if (notice !== undefined || shown.current !== lingering) shown.current = notice
  useEffect(() => {
    if (notice !== undefined || shown.current !== lingering) return
    const timer = setTimeout(() => {
      shown.current = undefined
      expired((n) => n + 1)
    }, ms)
    return () => clearTimeout(timer)
  }, [notice])
  return shown.current
}

/**
 * While the bar sticks to the top of the screen (styles.css), whatever below it the keyboard
 * moves to is scrolled clear of it rather than under it: the scroll margin of what is below
 * follows the bar's height (`--call-bar-height`), which its notices and the end-for-everyone
 * question change.
 */
function useStickyClearance(bar: { current: HTMLElement | null }) {
  useEffect(() => {
    const element = bar.current
    if (!element) return
    const root = document.documentElement
    const observer = new ResizeObserver(() =>
      root.style.setProperty('--call-bar-height', `${element.offsetHeight}px`),
    )
    observer.observe(element)
    return () => {
      observer.disconnect()
      root.style.removeProperty('--call-bar-height')
    }
  }, [bar])
}
