/**
 * Whether the page may use a microphone, checked before anything is started for a call:
 * a conference started, the agent greeting and a phone dialled, for a person the browser
 * will not let speak, would leave the agent talking to nobody. Asks the browser (which
 * may prompt) and lets go at once; the call opens the microphone again, the browser
 * remembering the answer.
 */
export async function checkMicrophone(): Promise<void> {
  // Browsers offer no microphone outside a secure context: https, or localhost.
  if (!globalThis.isSecureContext || !navigator.mediaDevices?.getUserMedia) {
    throw new Error(
      'This page cannot use a microphone when opened like this: open it over https, or at http://localhost.',
    )
  }
  let stream: MediaStream
  try {
    stream = await navigator.mediaDevices.getUserMedia({ audio: true })
  } catch (error) {
    throw new Error(microphoneProblem(error))
  }
  for (const track of stream.getTracks()) track.stop()
}

/** What a getUserMedia failure means for the person, and what to do about it. */
function microphoneProblem(error: unknown): string {
  const name = error instanceof DOMException ? error.name : ''
  switch (name) {
    case 'NotAllowedError':
    case 'SecurityError':
      return 'The microphone is blocked for this page: allow it (the icon at the left of the address bar), then start again.'
    case 'NotFoundError':
    case 'OverconstrainedError':
      return 'No microphone was found: connect one, then start again.'
    case 'NotReadableError':
    case 'AbortError':
      return 'The microphone could not be started: another application may be using it.'
    default:
      return `The microphone could not be opened: ${error instanceof Error ? error.message : String(error)}`
  }
}
