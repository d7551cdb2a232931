/**
 * The call bar's "End conference for everyone" button and the question it asks first
 * while others are on the call, with the keyboard's place kept through the question.
 */
import { useEffect, useRef, useState } from 'preact/hooks'
import type { Action } from './use-action.ts'

export interface EndForEveryoneProps {
  /** The button is offered; a question already asked stays until answered or overtaken. */
  offered: boolean
  /** Others on the call whom the question is about: with none, ending is not asked. */
  othersToAsk: number
  end: Action<[]>
}

export function EndForEveryone({ offered, othersToAsk, end }: EndForEveryoneProps) {
  const [confirming, setConfirming] = useState(false)
  // Asked only while it means something: the others may leave, or the call end, meanwhile.
  const asking = confirming && othersToAsk > 0
  const keep = useRef<HTMLButtonElement>(null)
  const endButton = useRef<HTMLButtonElement>(null)
  const asked = useRef(false)
  useEffect(() => {
    // The keyboard goes to the question's safe answer (a key pressed twice, or held, must
    // not end the call for others), and back to the button that asked it.
    if (asking) keep.current?.focus()
    else if (asked.current) endButton.current?.focus()
    // A question overtaken is dropped, not asked again should someone else join later.
    if (!asking) setConfirming(false)
    asked.current = asking
  }, [asking])
  if (asking) {
    return (
      // biome-ignore lint/a11y/useSemanticElements: a group of two buttons, not a form's fieldset
      <div
        class="confirm"
        role="group"
        aria-label="End the conference for everyone?"
        // Escape answers as "Keep it going" does: nothing ends by a key that means "back out".
        onKeyDown={(event) => {
          if (event.key === 'Escape') setConfirming(false)
        }}
      >
        <span>
          End it for {othersToAsk === 1 ? 'the other person' : `the ${othersToAsk} others`} on the
          call too?
        </span>
        <button
          type="button"
          class="danger"
          aria-disabled={end.pending || undefined}
          onClick={() => {
            if (end.pending) return
            setConfirming(false)
            void end.run()
          }}
        >
          Yes, end it for everyone
        </button>
        <button type="button" ref={keep} onClick={() => setConfirming(false)}>
          Keep it going
        </button>
      </div>
    )
  }
  if (!offered) return null
  return (
    <button
      type="button"
      class="danger secondary"
      ref={endButton}
      aria-disabled={end.pending || undefined}
      onClick={() => {
        if (end.pending) return
        if (othersToAsk > 0) setConfirming(true)
        else void end.run()
      }}
    >
      End conference for everyone
    </button>
  )
}
