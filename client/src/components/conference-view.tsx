/**
 * The live conference: the person's call, the agent, the participants (with
 * their controls and a way to add someone by phone) and the transcript.
 */
import { useEffect, useMemo, useRef, useState } from 'preact/hooks'
import { ApiFailure } from '../api/api-client.ts'
import type { ConferenceApi } from '../api/conference-api.ts'
import type { RoomView } from '../api/wire.ts'
import { isOnCall } from '../call/call-state.ts'
import type { Conversation, Session } from '../call/use-conversation.ts'
import { isLive } from '../room/room-state.ts'
import { speakerOf } from '../room/speakers.ts'
import { saveTextFile, transcriptFileName, transcriptText } from '../room/transcript-file.ts'
import { useRoom } from '../room/use-room.ts'
import { AddParticipantForm } from './add-participant-form.tsx'
import { AgentPanel } from './agent-panel.tsx'
import { CallBar } from './call-bar.tsx'
import { endsWithYou, hostHasLeft } from './call-bar-state.ts'
import type { ParticipantRequest } from './participant-item.tsx'
import { ParticipantList } from './participant-list.tsx'
import { TranscriptLog } from './transcript-log.tsx'
import { useAction } from './use-action.ts'

export interface ConferenceViewProps {
  api: ConferenceApi
  session: Session
  conversation: Conversation
}

export function ConferenceView({ api, session, conversation }: ConferenceViewProps) {
  const { room, link, reconnected, apply, check } = useRoom(api, session.room)
  const { state: call, hangUp, setMuted } = conversation.call
  const id = session.conferenceId
  const live = isLive(room)
  // What changes a Twilio conference (dialling, a participant's controls, bringing the agent
  // back): not once the host hung up, Twilio's conference having ended with its leg (a new
  // leg would open a new, empty one of the same name) before the room says so.
  const twilioLive = live && !room.local && !hostHasLeft(call, room, session.you)
  const freshness = useMemo(() => ({ reconnected, ended: !live }), [reconnected, live])
  // Whether this conversation is still the page's: each has a view of its own (app.tsx).
  const current = useRef(true)
  useEffect(
    () => () => {
      current.current = false
    },
    [],
  )

  useEffect(() => {
    if (!live && isOnCall(call)) hangUp()
  }, [live, call, hangUp])

  // Whether the API said how the conference stands since the call last changed: a call
  // that drops, or is reconnecting, may have ended the conference (the host's does), or
  // lost the same network the live updates use, which may not have noticed yet.
  const [checked, setChecked] = useState(false)
  const unasked =
    call.phase !== 'reconnecting' &&
    (call.phase !== 'ended' || call.hungUp === true || call.reloaded === true)
  useEffect(() => {
    setChecked(false)
    if (unasked || !live) return
    let answered = true
    check().then(
      () => answered && setChecked(true),
      () => undefined,
    )
    return () => {
      answered = false
    }
  }, [call.phase, unasked, live, check])

  // Not into a conference that ended unseen: Twilio would turn the call away, and the page
  // offer Rejoin again. The room's answer, ended, is what the bar then says.
  const { rejoin } = conversation
  const onRejoin =
    rejoin &&
    (async () => {
      if (isLive(await check())) await rejoin()
    })

  const onDial = async (phoneNumber: string) => {
    apply({ type: 'participant', participant: (await api.dial(id, phoneNumber)).participant })
  }
  const onRequest = async (callSid: string, request: ParticipantRequest) => {
    if (request.type === 'redial') return onDial(request.phoneNumber)
    const { participant } =
      request.type === 'remove'
        ? await api.remove(id, callSid)
        : await api.change(id, callSid, request.change)
    apply({ type: 'participant', participant })
  }
  const onBringAgentBack = async () => {
    const back = await api.bringAgentBack(id)
    if (current.current) apply({ type: 'room', room: back.room })
  }
  const onEndForEveryone = async () => {
    // The host's own call first, and at once: leaving never waits on the network. The
    // host's leg ends Twilio's conference with it (endConferenceOnExit); the request ends
    // the room, the agent and any phone still ringing, and says so if it fails. Anyone
    // else's leaving ends nothing: their call stays until the conference has ended, so a
    // failed end leaves them on it, and the bar never says it goes on without them.
    const hostLeaves = endsWithYou(room, session.you)
    if (hostLeaves) hangUp()
    try {
      const ended = await api.end(id)
      // Not once the page has moved on (Start over, New conversation).
      if (current.current) apply({ type: 'room', room: ended })
    } catch (error) {
      // Ended long enough ago that its record is gone: there is nothing left to end.
      if (!(error instanceof ApiFailure && error.status === 404)) throw error
      if (current.current) apply({ type: 'gone' })
    }
    // Not once the page has moved on (Start over, New conversation): the call then is the
    // next conversation's.
    if (!hostLeaves && current.current) hangUp()
  }

  // Every line the room kept, as a file: the page shows the newest only.
  const download = useAction(async () => {
    const { transcript } = await api.transcript(id)
    const others = othersSince(room, session.you)
    saveTextFile(
      transcriptFileName(room),
      transcriptText(room, transcript, (entry) => speakerOf(entry, others)),
    )
  })

  return (
    <>
      {session.warnings.length > 0 && (
        <div class="banner banner-problem" role="alert">
          <ul class="start-warnings">
            {session.warnings.map((warning) => (
              <li key={warning}>{warning}</li>
            ))}
          </ul>
        </div>
      )}
      <CallBar
        call={call}
        room={room}
        you={session.you}
        link={link}
        onMute={setMuted}
        onHangUp={hangUp}
        onEndForEveryone={onEndForEveryone}
        onRejoin={onRejoin}
        roomKnown={link === 'live' || checked}
        freshness={freshness}
        onNewConversation={conversation.startOver}
        // The API asks for the key on its 401; the event socket's next attempt takes it.
        onGiveKey={() => void api.room(id).catch(() => undefined)}
      />
      <div class="room">
        <div class="column">
          <AgentPanel
            agent={room.agent}
            local={room.local === true}
            {...(twilioLive && { onBringBack: onBringAgentBack })}
          />
          <ParticipantList
            participants={room.participants}
            you={session.you}
            agentStatus={room.agent.status}
            freshness={freshness}
            {...(twilioLive && { onRequest })}
          />
          {twilioLive && <AddParticipantForm onDial={onDial} freshness={freshness} />}
          {live && room.local && (
            <p class="card hint">
              A local call is you and the agent alone: adding someone by phone needs Twilio
              configured.
            </p>
          )}
        </div>
        <TranscriptLog
          entries={room.transcript}
          othersSince={othersSince(room, session.you)}
          download={download}
        />
      </div>
    </>
  )
}

/**
 * When someone other than the person (and the agent) first joined, if anyone has. The agent
 * hears everyone on the call as one voice: its lines are the person's own only before then.
 * One shown in the call without a time of joining counts from the start.
 */
function othersSince(room: RoomView, you: string): string | undefined {
  const others = room.participants.filter((p) => p.kind !== 'agent' && p.label !== you)
  const times = others.flatMap((p) =>
    p.joinedAt !== undefined
      ? [p.joinedAt]
      : p.status === 'joined' || p.status === 'left'
        ? ['']
        : [],
  )
  // ISO times, which sort as they happened; '' (from the start) first.
  return times.toSorted()[0]
}
