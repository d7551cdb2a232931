/**
 * Who may be dialled into a conference: a number as a person types it
 * (`+972-52-6722216`, `+1 (415) 555-0100`) normalised to E.164 with
 * libphonenumber-js's full metadata, then checked against DIAL_ALLOWLIST.
 * Every refusal carries a sentence the page can show as is.
 */
import { ParseError, parsePhoneNumberWithError } from 'libphonenumber-js/max'

export type DialCheck =
  | { ok: true; e164: string }
  | { ok: false; code: 'invalid_phone_number' | 'dial_not_allowed'; message: string }

const PARSE_MESSAGES: Record<string, string> = {
  INVALID_COUNTRY: 'Start the number with + and its country code, e.g. +1 415 555 0100.',
  NOT_A_NUMBER: 'That does not look like a phone number.',
  TOO_SHORT: 'That number is too short.',
  TOO_LONG: 'That number is too long.',
  INVALID_LENGTH: 'That number has the wrong length for its country.',
}

export function checkDialTarget(input: string, allowlist: readonly string[]): DialCheck {
  const typed = input.trim()
  if (!typed) return { ok: false, code: 'invalid_phone_number', message: 'Enter a phone number.' }
  let e164: string
  try {
    const number = parsePhoneNumberWithError(typed)
    if (!number.isValid()) {
      return {
        ok: false,
        code: 'invalid_phone_number',
        message: `${typed} is not a valid phone number.`,
      }
    }
    // Dialled, the extension would be dropped without a word: the call would reach the
    // switchboard, not the person.
    if (number.ext) {
      return {
        ok: false,
        code: 'invalid_phone_number',
        message: `Extensions cannot be dialled: enter ${readableNumber(number.number)} on its own.`,
      }
    }
    e164 = number.number
  } catch (error) {
    const plus = error instanceof ParseError ? withPlus(typed) : undefined
    if (plus) {
      return {
        ok: false,
        code: 'invalid_phone_number',
        message: `Start the number with + in place of ${plus.prefix}: ${plus.number}.`,
      }
    }
    const message = error instanceof ParseError ? PARSE_MESSAGES[error.message] : undefined
    return {
      ok: false,
      code: 'invalid_phone_number',
      message: message ?? `${typed} is not a valid phone number.`,
    }
  }
  if (allowlist.length > 0 && !allowlist.some((prefix) => e164.startsWith(prefix))) {
    return {
      ok: false,
      code: 'dial_not_allowed',
      // The person dialling reads it: which numbers may be dialled, not the setting's name.
      message: `Calls to ${readableNumber(e164)} are not allowed here: only numbers starting ${orList(allowlist)} may be dialled.`,
    }
  }
  return { ok: true, e164 }
}

/**
 * The international call prefixes people dial in place of `+`: 00 (most of Europe, Africa,
 * Asia and Latin America) and 011 (North America). Typed before a number, they are read as
 * no country at all. Only suggested, never dialled as such: elsewhere the same digits mean
 * something else (in Japan 00xx picks a carrier), and a wrong guess would call abroad.
 */
const INTERNATIONAL_PREFIX = /^(00|011)(?=[\s\-.]*[1-9])/

/** A number typed with an international prefix, as it would be with `+`, if that is valid. */
function withPlus(typed: string): { prefix: string; number: string } | undefined {
  const prefix = INTERNATIONAL_PREFIX.exec(typed)?.[1]
  if (!prefix) return undefined
  try {
    const number = parsePhoneNumberWithError(`+${typed.slice(prefix.length)}`)
    return number.isValid() && !number.ext
      ? { prefix, number: number.formatInternational() }
      : undefined
  } catch {
    return undefined
  }
}

/** `+1`, `+1 or +44`, `+1, +44 or +972`. */
const orList = (items: readonly string[]) =>
  items.length > 1 ? `${items.slice(0, -1).join(', ')} or ${items.at(-1)}` : (items[0] ?? '')

/**
 * An E.164 number as people read it, grouped as its country writes it (`+1 415 555 2671`,
 * `+44 20 7946 0958`): `+14155552671` is read out by a screen reader as one large number.
 */
export const readableNumber = (e164: string): string => {
  try {
    return parsePhoneNumberWithError(e164).formatInternational()
  } catch {
    return e164
  }
}
