/**
 * Adds someone by phone. The server normalises what people type
 * (`+972-52-6722216`) and explains a refusal, shown next to the input.
 */
import { useState } from 'preact/hooks'
import { type Freshness, useAction, useNumberField } from './use-action.ts'

export interface AddParticipantFormProps {
  onDial(phoneNumber: string): Promise<void>
  freshness: Freshness
}

export function AddParticipantForm({ onDial, freshness }: AddParticipantFormProps) {
  const [phoneNumber, setPhoneNumber] = useState('')
  const dial = useAction(onDial, freshness)
  const { error } = dial
  const number = useNumberField(dial)

  const submit = async (event: Event) => {
    event.preventDefault()
    if (!(await dial.run(phoneNumber.trim()))) return
    setPhoneNumber('')
    // Ready for the next number.
    number.ref.current?.focus()
  }
  return (
    <form class="card add-participant" onSubmit={submit} aria-labelledby="add-title">
      <h2 id="add-title">Add someone by phone</h2>
      <label for="dial-number">Phone number, with country code</label>
      <div class="inline">
        <input
          id="dial-number"
          ref={number.ref}
          type="tel"
          autocomplete="tel"
          placeholder="+44 20 7946 0958"
          required
          value={phoneNumber}
          aria-invalid={number.refused ? 'true' : undefined}
          aria-describedby={error ? 'dial-error' : undefined}
          onInput={(event) => {
            setPhoneNumber(event.currentTarget.value)
            // Being corrected, the number is no longer the one the refusal was about.
            dial.dismiss()
          }}
        />
        <button type="submit" aria-disabled={dial.pending || undefined}>
          {dial.pending ? 'Calling…' : 'Call'}
        </button>
      </div>
      {error && (
        <p id="dial-error" class="error" role="alert">
          {error.message}
        </p>
      )}
    </form>
  )
}
