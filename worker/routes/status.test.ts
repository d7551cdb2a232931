import { runInDurableObject } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { describe, expect, it, vi } from 'vitest'
import { roomFor } from '../conference/conference-id.ts'
import type { RoomRecord } from '../conference/room-record.ts'
import { api, registerAgent, startConference } from '../testing/conference-call.ts'
import { conferenceCallback, twilioPost } from '../testing/twilio-requests.ts'

interface Room {
  status: string
  agent: { status: string; error?: string }
  participants: {
    label: string
    status: string
    muted: boolean
    speaking: boolean
    error?: string
  }[]
}
const room = async (conferenceId: string) =>
  (await (await api(`/api/twilio/conferences/${conferenceId}`)).json()) as Room

const participantEvent = (conferenceId: string, sequence: number, event: string, fields = {}) =>
  conferenceCallback(conferenceId, sequence, {
    StatusCallbackEvent: event,
    CallSid: 'CA7',
    ParticipantLabel: 'web-web_lee',
    Muted: 'false',
    Hold: 'false',
    ...fields,
  })

describe('Twilio status callbacks', () => {
  it('applies conference events to the roster', async () => {
    const conferenceId = await startConference(await registerAgent())
    expect((await participantEvent(conferenceId, 1, 'participant-join')).status).toBe(204)
    await participantEvent(conferenceId, 2, 'participant-speech-start')
    await participantEvent(conferenceId, 3, 'participant-mute', { Muted: 'true' })
    expect(
      (await room(conferenceId)).participants.find((p) => p.label === 'web-web_lee'),
    ).toMatchObject({
      status: 'joined',
      speaking: true,
      muted: true,
    })
  })

  it('shows who is speaking without writing the record for it', async () => {
    const conferenceId = await startConference(await registerAgent())
    await participantEvent(conferenceId, 1, 'participant-join')
    const stored = () =>
      runInDurableObject(roomFor(env, conferenceId), async (_, state) =>
        (await state.storage.get<RoomRecord>('room'))?.participants.find(
          (p) => p.label === 'web-web_lee',
        ),
      )
    const written = await stored()
    await participantEvent(conferenceId, 2, 'participant-speech-start')
    const shown = (await room(conferenceId)).participants.find((p) => p.label === 'web-web_lee')
    expect(shown).toMatchObject({ status: 'joined', speaking: true })
    expect(await stored()).toEqual(written)
  })

  it('ignores duplicates and late arrivals by SequenceNumber', async () => {
    const conferenceId = await startConference(await registerAgent())
    await participantEvent(conferenceId, 1, 'participant-join')
    await participantEvent(conferenceId, 3, 'participant-leave')
    await participantEvent(conferenceId, 2, 'participant-mute', { Muted: 'true' })
    await participantEvent(conferenceId, 1, 'participant-join')
    expect(
      (await room(conferenceId)).participants.find((p) => p.label === 'web-web_lee'),
    ).toMatchObject({
      status: 'left',
      muted: false,
    })
  })

  it('still applies a join overtaken by the speech and mute that followed it', async () => {
    const conferenceId = await startConference(await registerAgent())
    await participantEvent(conferenceId, 3, 'participant-mute', { Muted: 'true' })
    await participantEvent(conferenceId, 2, 'participant-speech-start')
    await participantEvent(conferenceId, 1, 'participant-join')
    expect(
      (await room(conferenceId)).participants.find((p) => p.label === 'web-web_lee'),
    ).toMatchObject({ status: 'joined', muted: true })
  })

  it('marks a dialled call that was not answered as failed', async () => {
    const conferenceId = await startConference(await registerAgent())
    const dialled = await api(`/api/twilio/conferences/${conferenceId}/participants`, {
      json: { phoneNumber: '+14155552671' },
    })
    const { participant } = (await dialled.json()) as { participant: { callSid: string } }
    const call = (status: string, sequence: number) =>
      twilioPost(`/api/twilio/status/call?conferenceId=${conferenceId}`, {
        CallSid: participant.callSid,
        CallStatus: status,
        SequenceNumber: String(sequence),
      })
    await call('ringing', 1)
    await call('no-answer', 2)
    expect(
      (await room(conferenceId)).participants.find((p) => p.label === 'phone-1'),
    ).toMatchObject({
      status: 'failed',
      error: 'no answer',
    })
  })

  it('ends the room when Twilio ends the conference', async () => {
    const conferenceId = await startConference(await registerAgent())
    await conferenceCallback(conferenceId, 1, { StatusCallbackEvent: 'conference-start' })
    await conferenceCallback(conferenceId, 9, {
      StatusCallbackEvent: 'conference-end',
      ReasonConferenceEnded: 'participant-with-end-conference-on-exit-left',
    })
    expect(await room(conferenceId)).toMatchObject({
      status: 'ended',
      endedReason: 'the conference ended with its host',
    })
  })

  it("logs, under the room's name, an end that Twilio's conference-end could not write", async () => {
    const conferenceId = await startConference(await registerAgent())
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {})
    try {
      await runInDurableObject(roomFor(env, conferenceId), async (room, state) => {
        state.storage.setAlarm = () => Promise.reject(new Error('storage is unavailable'))
        room.conferenceEvent({
          StatusCallbackEvent: 'conference-end',
          SequenceNumber: '1',
          ReasonConferenceEnded: 'conference-ended-via-api',
        })
        await scheduler.wait(10)
      })
      expect(logged).toHaveBeenCalledWith(
        expect.stringMatching(
          new RegExp(
            `^\\[ConferenceRoom ${conferenceId}\\] ending the conference .*storage is unavailable`,
          ),
        ),
      )
    } finally {
      logged.mockRestore()
    }
  })

  it("keeps the end's first reason, in words, when Twilio's conference-end follows", async () => {
    const conferenceId = await startConference(await registerAgent())
    await conferenceCallback(conferenceId, 1, { StatusCallbackEvent: 'conference-start' })
    await roomFor(env, conferenceId).end('it was ended for everyone')
    await conferenceCallback(conferenceId, 2, {
      StatusCallbackEvent: 'conference-end',
      ReasonConferenceEnded: 'conference-ended-via-api',
    })
    expect(await room(conferenceId)).toMatchObject({ endedReason: 'it was ended for everyone' })
  })

  it("shows the agent unavailable, and what to check, when Twilio cannot open the agent's stream", async () => {
    const conferenceId = await startConference(await registerAgent())
    const res = await twilioPost(`/api/twilio/status/stream?conferenceId=${conferenceId}`, {
      StreamEvent: 'stream-error',
      // Line breaks in Twilio's words would break the page's sentence and the log's line.
      StreamError: 'Stream - WebSocket -\r\nHandshake Error',
      StreamSid: 'MZ1',
    })
    expect(res.status).toBe(204)
    expect((await room(conferenceId)).agent).toMatchObject({
      status: 'unavailable',
      error: expect.stringMatching(/\(Stream - WebSocket - Handshake Error\).*WEBHOOK_BASE_URL/),
    })
  })

  it('shows the agent unavailable when its leg leaves before its stream began', async () => {
    const conferenceId = await startConference(await registerAgent())
    await conferenceCallback(conferenceId, 1, {
      StatusCallbackEvent: 'participant-join',
      CallSid: 'CA8',
      ParticipantLabel: 'agent',
    })
    expect((await room(conferenceId)).agent.status).toBe('waiting')
    await conferenceCallback(conferenceId, 2, {
      StatusCallbackEvent: 'participant-leave',
      CallSid: 'CA8',
      ParticipantLabel: 'agent',
    })
    expect((await room(conferenceId)).agent).toMatchObject({
      status: 'unavailable',
      error: expect.stringContaining(
        "TwiML App's Voice URL is https://bridge.example.test/api/twilio/conference-elevenlabs",
      ),
    })
  })

  it('does not blame the setup when the agent leaves with everyone, as an early hang-up ends it', async () => {
    const conferenceId = await startConference(await registerAgent())
    const leg = (sequence: number, event: string, CallSid: string, ParticipantLabel: string) =>
      conferenceCallback(conferenceId, sequence, {
        StatusCallbackEvent: event,
        CallSid,
        ParticipantLabel,
      })
    await leg(1, 'participant-join', 'CA8', 'agent')
    await leg(2, 'participant-join', 'CA9', 'web-web_lee')
    await leg(3, 'participant-leave', 'CA9', 'web-web_lee')
    await leg(4, 'participant-leave', 'CA8', 'agent')
    const { agent } = await room(conferenceId)
    expect(agent.status).not.toBe('unavailable')
    expect(agent.error).toBeUndefined()
  })

  it('accepts a signed callback for a conference it does not know, and changes nothing', async () => {
    const res = await conferenceCallback('conf-dddddddddddddddddddd', 1, {
      StatusCallbackEvent: 'conference-start',
    })
    expect(res.status).toBe(204)
    expect((await api('/api/twilio/conferences/conf-dddddddddddddddddddd')).status).toBe(404)
  })

  it('reads a parameter given twice by its first value, as the TwiML routes do', async () => {
    const conferenceId = await startConference(await registerAgent())
    const other = await startConference(await registerAgent())
    const res = await twilioPost('/api/twilio/status/conference', [
      ['FriendlyName', conferenceId],
      ['FriendlyName', other],
      ['StatusCallbackEvent', 'conference-start'],
      ['StatusCallbackEvent', 'conference-end'],
      ['SequenceNumber', '1'],
    ])
    expect(res.status).toBe(204)
    expect((await room(conferenceId)).status).toBe('in-progress')
    expect((await room(other)).status).not.toBe('ended')
  })

  it('refuses unsigned callbacks', async () => {
    const res = await twilioPost('/api/twilio/status/conference', { FriendlyName: 'conf-x' }, false)
    expect(res.status).toBe(403)
  })
})
