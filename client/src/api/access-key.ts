/**
 * The API's access key (APP_ACCESS_KEY on the server), kept for this browser
 * tab in sessionStorage. When a call is refused with 401 the store raises a
 * prompt; every request waiting on it resumes once the person answers.
 *
 * The server answers 401 `unauthorized` whether the key is missing or wrong; the form
 * tells them apart by whether this tab had sent one.
 */
import type { AccessKeys } from './api-client.ts'

const STORAGE_KEY = 'conference-bridge.access-key'

export type KeyStorage = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>

/** What the access-key form asks for. */
export interface KeyPrompt {
  /** The key this tab sent was refused (mistyped, or changed on the server), not missing. */
  refused: boolean
}

export class AccessKeyStore implements AccessKeys {
  #storage: KeyStorage
  #waiting: ((answered: boolean) => void)[] = []
  #prompt: KeyPrompt | undefined
  #refusedKey: string | undefined
  #listeners = new Set<(prompt: KeyPrompt | undefined) => void>()

  constructor(storage: KeyStorage) {
    this.#storage = storage
  }

  current(): string | undefined {
    return this.#storage.getItem(STORAGE_KEY) ?? undefined
  }

  get prompt(): KeyPrompt | undefined {
    return this.#prompt
  }

  /** A request was refused: `refusedKey` is the key it carried, if it carried one. */
  ask(refusedKey: string | undefined): Promise<boolean> {
    this.#refusedKey = refusedKey
    this.#setPrompt({ refused: refusedKey !== undefined })
    return new Promise((resolve) => this.#waiting.push(resolve))
  }

  /** The person typed a key: keep it and let the waiting requests retry. */
  answer(key: string): void {
    const trimmed = key.trim()
    if (trimmed) this.#storage.setItem(STORAGE_KEY, trimmed)
    else this.#storage.removeItem(STORAGE_KEY)
    this.#settle(true)
  }

  /**
   * The person declined: the waiting requests fail. A key the server refused is forgotten,
   * so the next prompt does not open by calling a key the person did not just type wrong;
   * only that key, not one given since.
   */
  decline(): void {
    if (this.#refusedKey !== undefined && this.current() === this.#refusedKey) {
      this.#storage.removeItem(STORAGE_KEY)
    }
    this.#settle(false)
  }

  subscribe(listener: (prompt: KeyPrompt | undefined) => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  #settle(answered: boolean): void {
    const waiting = this.#waiting
    this.#waiting = []
    this.#refusedKey = undefined
    this.#setPrompt(undefined)
    for (const resolve of waiting) resolve(answered)
  }

  #setPrompt(prompt: KeyPrompt | undefined): void {
    this.#prompt = prompt
    for (const listener of this.#listeners) listener(prompt)
  }
}
