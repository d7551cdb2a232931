/**
 * The JSON API for a conference's whole transcript: every line the room kept, in order,
 * while the conference's own view (routes/conferences.ts) holds only the newest. Read
 * from the room a page at a time: a long call's lines, each up to MAX_LINE_CHARS, would
 * not all fit in one answer between the worker and its room.
 */
import { Hono } from 'hono'
import { roomFor } from '../conference/conference-id.ts'
import type { TranscriptEntry } from '../conference/transcript.ts'
import type { Env } from '../config.ts'
import { conferenceGone, conferenceIdParam } from './rooms.ts'

/** Lines a page: at MAX_LINE_CHARS each, 8 MB at most, under the runtime's 32 MiB an RPC. */
const PAGE_LINES = 1000

/** Mounted at /api/twilio/conferences. */
export const transcript = new Hono<{ Bindings: Env }>().get('/:id/transcript', async (c) => {
  const conferenceId = conferenceIdParam(c.req.param('id'))
  const room = roomFor(c.env, conferenceId)
  const lines: TranscriptEntry[] = []
  for (let from = 0; ; ) {
    const page = await room.transcript(from, PAGE_LINES)
    if (!page) throw conferenceGone()
    lines.push(...page.lines)
    const last = page.lines.at(-1)
    if (!page.more || !last) break
    from = last.seq + 1
  }
  return c.json({ conferenceId, transcript: lines })
})
