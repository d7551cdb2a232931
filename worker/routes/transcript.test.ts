import { runInDurableObject } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { RETENTION_MS } from '../conference/alarm-schedule.ts'
import { newConferenceId, roomFor } from '../conference/conference-id.ts'
import type { TranscriptEntry } from '../conference/transcript.ts'
import { lineKey } from '../conference/transcript-store.ts'
import {
  alarmAfter,
  api,
  apiWith,
  elevenLabs,
  liveCall,
  registerAgent,
  startConference,
} from '../testing/conference-call.ts'
import { eventually } from '../testing/eventually.ts'

const AT = '2026-01-01T10:00:00.000Z'
const path = (conferenceId: string) => `/api/twilio/conferences/${conferenceId}/transcript`

const transcriptOf = async (conferenceId: string) => {
  const res = await api(path(conferenceId))
  expect(res.status).toBe(200)
  return ((await res.json()) as { transcript: TranscriptEntry[] }).transcript
}

/** Writes `count` lines into a conference's room as the room keeps them, from seq 0. */
async function keepLines(conferenceId: string, count: number): Promise<void> {
  await runInDurableObject(roomFor(env, conferenceId), async (_room, state) => {
    for (let from = 0; from < count; from += 128) {
      const batch: Record<string, TranscriptEntry> = {}
      for (let seq = from; seq < Math.min(count, from + 128); seq++) {
        batch[lineKey(seq)] = { seq, role: 'user', text: `line ${seq}`, at: AT }
      }
      await state.storage.put(batch)
    }
  })
}

describe('GET /api/twilio/conferences/:id/transcript', () => {
  it('answers every line kept, in order, past the newest the conference view holds', async () => {
    const conferenceId = await startConference(await registerAgent())
    // More than one of the room's pages (1000 lines each), and far more than the view's 200.
    await keepLines(conferenceId, 2345)
    const res = await api(path(conferenceId))
    expect(res.status).toBe(200)
    const body = (await res.json()) as { conferenceId: string; transcript: TranscriptEntry[] }
    expect(body.conferenceId).toBe(conferenceId)
    expect(body.transcript.map(({ seq }) => seq)).toEqual(Array.from({ length: 2345 }, (_, i) => i))
    expect(body.transcript.at(-1)).toEqual({ seq: 2344, role: 'user', text: 'line 2344', at: AT })
  })

  it("answers the agent's correction of a line, and the lines after it", async () => {
    const call = await liveCall()
    const id = call.conversation.conversationId
    await elevenLabs().speak(id, 'It costs ten dollars and')
    await eventually('the line', async () => (await transcriptOf(call.conferenceId)).length > 0)
    await elevenLabs().push(id, {
      message: {
        type: 'agent_response_correction',
        agent_response_correction_event: {
          original_agent_response: 'It costs ten dollars and',
          corrected_agent_response: 'It costs ten dollars',
        },
      },
    })
    await elevenLabs().push(id, {
      message: { type: 'user_transcript', user_transcription_event: { user_transcript: 'OK' } },
    })
    // Written or not yet (200 ms after they come), the room's own newest lines count.
    const lines = await eventually('the correction and the next line', async () => {
      const lines = await transcriptOf(call.conferenceId)
      return lines.length === 2 && lines
    })
    expect(lines.map(({ role, text, corrected }) => [role, text, corrected])).toEqual([
      ['agent', 'It costs ten dollars', true],
      ['user', 'OK', undefined],
    ])
  })

  it('answers an ended conference until its record is freed, then 404, its lines gone with it', async () => {
    const conferenceId = await startConference(await registerAgent())
    await keepLines(conferenceId, 3)
    await api(`/api/twilio/conferences/${conferenceId}`, { method: 'DELETE' })
    expect((await transcriptOf(conferenceId)).map(({ text }) => text)).toEqual([
      'line 0',
      'line 1',
      'line 2',
    ])
    await alarmAfter(conferenceId, RETENTION_MS)
    const res = await api(path(conferenceId))
    expect(res.status).toBe(404)
    expect(await res.json()).toMatchObject({ error: { code: 'not_found' } })
    const left = await runInDurableObject(roomFor(env, conferenceId), (_room, state) =>
      state.storage.list({ prefix: 'transcript:' }),
    )
    expect(left.size).toBe(0)
  })

  it('leaves nothing of a whole call once its record is freed: lines, numbers, tokens', async () => {
    const call = await liveCall()
    const id = call.conversation.conversationId
    await elevenLabs().speak(id, 'Your code is 4711.')
    await elevenLabs().push(id, {
      message: {
        type: 'user_transcript',
        user_transcription_event: { user_transcript: 'My number is 415 555 2671.' },
      },
    })
    const dialled = await api(`/api/twilio/conferences/${call.conferenceId}/participants`, {
      json: { phoneNumber: '+14155552671' },
    })
    expect(dialled.status).toBe(201)
    const room = roomFor(env, call.conferenceId)
    await eventually('both lines kept', async () =>
      runInDurableObject(
        room,
        async (_room, state) => (await state.storage.list({ prefix: 'transcript:' })).size === 2,
      ),
    )
    await api(`/api/twilio/conferences/${call.conferenceId}`, { method: 'DELETE' })
    await alarmAfter(call.conferenceId, RETENTION_MS)
    const [left, alarm] = await runInDurableObject(room, async (_room, state) => [
      await state.storage.list(),
      await state.storage.getAlarm(),
    ])
    expect([...left.keys()]).toEqual([])
    expect(alarm).toBeNull()
    expect((await api(path(call.conferenceId))).status).toBe(404)
  })

  it('answers 404 for a conference that does not exist, or an id that cannot be one', async () => {
    for (const id of [newConferenceId(), 'not-a-conference']) {
      const res = await api(path(id))
      expect(res.status).toBe(404)
      expect(await res.json()).toMatchObject({
        error: { code: 'not_found', message: expect.any(String) },
      })
    }
  })

  it("asks for the access key as the conference's other routes do", async () => {
    const key = 'k3y-for-tests-k3y-for-tests-k3y-for-tests'
    const conferenceId = await startConference(await registerAgent())
    const without = await apiWith({ APP_ACCESS_KEY: key }, path(conferenceId))
    expect(without.status).toBe(401)
    expect(await without.json()).toMatchObject({ error: { code: 'unauthorized' } })
    const withKey = await apiWith({ APP_ACCESS_KEY: key }, path(conferenceId), {
      headers: { Authorization: `Bearer ${key}` },
    })
    expect(withKey.status).toBe(200)
    // No key set: only this machine may ask.
    const remote = await apiWith({}, `https://bridge.example.workers.dev${path(conferenceId)}`)
    expect(remote.status).toBe(403)
  })

  it('answers 405 to another method', async () => {
    const conferenceId = await startConference(await registerAgent())
    const res = await api(path(conferenceId), { method: 'DELETE' })
    expect(res.status).toBe(405)
    expect(res.headers.get('Allow')).toBe('GET, HEAD')
  })
})
