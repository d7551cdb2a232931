/** A small drawn icon per kind of participant (emoji fonts are missing on some systems). */
import type { JSX } from 'preact'
import type { ParticipantView } from '../api/wire.ts'

const SHAPES: Record<ParticipantView['kind'], JSX.Element> = {
  agent: (
    <>
      <rect x="4" y="8" width="16" height="12" rx="3" />
      <path d="M12 8V4" />
      <circle cx="9" cy="14" r="1" fill="currentColor" />
      <circle cx="15" cy="14" r="1" fill="currentColor" />
    </>
  ),
  browser: (
    <>
      <circle cx="12" cy="8" r="4" />
      <path d="M4 21a8 8 0 0 1 16 0" />
    </>
  ),
  phone: (
    <>
      <rect x="7" y="2" width="10" height="20" rx="2" />
      <path d="M11 18h2" />
    </>
  ),
}

export function ParticipantIcon({ kind }: { kind: ParticipantView['kind'] }) {
  return (
    <svg
      class="icon"
      viewBox="0 0 24 24"
      width="24"
      height="24"
      fill="none"
      stroke="currentColor"
      stroke-width="2"
      stroke-linecap="round"
      aria-hidden="true"
    >
      {SHAPES[kind]}
    </svg>
  )
}
