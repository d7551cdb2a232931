/**
 * Keeps the keyboard's place in a part of the page (a participant's row, the agent's panel)
 * whose own controls go after one of them was used: a Remove that removed the row's
 * controls, a "Bring the agent back" that brought it. Without it focus falls to the page's
 * top, and the person has to find their place again. Controls that go for another reason
 * (the call ending) leave focus where it is.
 *
 * @example
 * const kept = useKeptFocus<HTMLLIElement>(hasControls)
 * const request = useAction(async () => { kept.used(); … })
 * return <li tabIndex={-1} ref={kept.ref}>…</li>
 */
import type { RefObject } from 'preact'
import { useEffect, useRef } from 'preact/hooks'

export interface KeptFocus<E extends HTMLElement> {
  /** The part to focus: it needs `tabIndex={-1}`. */
  ref: RefObject<E | null>
  /** Says one of the part's controls was used last. */
  used(): void
}

/**
 * `controls`: whether the part has controls, or which it has (`'ringing'`, `'gone'`): a
 * part whose controls are replaced by others (a Remove by a Call again) lost the one used
 * too. Falsy: none.
 */
export function useKeptFocus<E extends HTMLElement>(controls: boolean | string): KeptFocus<E> {
  const ref = useRef<E>(null)
  const used = useRef(false)
  const had = useRef(controls)
  useEffect(() => {
    const lost = Boolean(had.current) && had.current !== controls
    had.current = controls
    if (lost && used.current && document.activeElement === document.body) ref.current?.focus()
    if (lost) used.current = false
  }, [controls])
  return { ref, used: () => (used.current = true) }
}
