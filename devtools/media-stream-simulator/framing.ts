/**
 * Twilio's framing of a call's audio: 160 mu-law bytes (20 ms at 8 kHz) per
 * `media` message, sent in real time. The schedule is computed from the
 * stream's start time, never accumulated from timer to timer, so a late
 * timer delays one frame but never shifts the ones after it.
 */
import { encodeBase64 } from '../../worker/audio/base64.ts'

export const FRAME_MS = 20
export const FRAME_BYTES = 160
/** G.711 mu-law code of a zero sample. */
export const MULAW_SILENCE = 0xff

/** Cuts mu-law audio into whole frames, padding the last one with silence. */
export function toFrames(mulaw: Uint8Array): Uint8Array[] {
  const frames: Uint8Array[] = []
  for (let offset = 0; offset < mulaw.length; offset += FRAME_BYTES) {
    const frame = new Uint8Array(FRAME_BYTES).fill(MULAW_SILENCE)
    frame.set(mulaw.subarray(offset, offset + FRAME_BYTES))
    frames.push(frame)
  }
  return frames
}

/** The base64 payloads of `toFrames(mulaw)`, as `media` messages carry them. */
export const toPayloads = (mulaw: Uint8Array): string[] => toFrames(mulaw).map(encodeBase64)

/** `count` frames of silence. */
export const silentPayloads = (count: number): string[] =>
  toPayloads(new Uint8Array(count * FRAME_BYTES).fill(MULAW_SILENCE))

/** When frame `index` (0-based) is due, for a stream whose first frame is due at `startAt`. */
export const frameDueAt = (startAt: number, index: number): number => startAt + index * FRAME_MS

/** How many frames are due by `now`: every frame whose due time has come. */
export function framesDue(startAt: number, now: number): number {
  if (now < startAt) return 0
  return Math.floor((now - startAt) / FRAME_MS) + 1
}
