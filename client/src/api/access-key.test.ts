import { describe, expect, it } from 'vitest'
import { AccessKeyStore, type KeyPrompt, type KeyStorage } from './access-key.ts'

function memoryStorage(): KeyStorage {
  const items = new Map<string, string>()
  return {
    getItem: (key) => items.get(key) ?? null,
    setItem: (key, value) => void items.set(key, value),
    removeItem: (key) => void items.delete(key),
  }
}

describe('AccessKeyStore', () => {
  it('raises one prompt for every waiting request and resolves them all with the answer', async () => {
    const store = new AccessKeyStore(memoryStorage())
    const prompts: (KeyPrompt | undefined)[] = []
    store.subscribe((prompt) => prompts.push(prompt))
    const first = store.ask(undefined)
    const second = store.ask(undefined)
    store.answer('  k3y ')
    expect(await Promise.all([first, second])).toEqual([true, true])
    expect(store.current()).toBe('k3y')
    expect(store.prompt).toBeUndefined()
    expect(prompts.at(-1)).toBeUndefined()
  })

  it('keeps the key in the given storage, so a reload of the tab still has it', () => {
    const storage = memoryStorage()
    new AccessKeyStore(storage).answer('k3y')
    expect(new AccessKeyStore(storage).current()).toBe('k3y')
  })

  it('resolves waiting requests with false when the person declines', async () => {
    const store = new AccessKeyStore(memoryStorage())
    const waiting = store.ask(undefined)
    store.decline()
    expect(await waiting).toBe(false)
  })

  it('tells a key the server refused from a missing one, by what the refused request carried', () => {
    const store = new AccessKeyStore(memoryStorage())
    void store.ask(undefined)
    expect(store.prompt).toEqual({ refused: false })
    store.answer('wr0ng')
    void store.ask('wr0ng')
    expect(store.prompt).toEqual({ refused: true })
  })

  it('forgets a refused key when the person declines, so the next prompt does not call it wrong', () => {
    const store = new AccessKeyStore(memoryStorage())
    store.answer('wr0ng')
    void store.ask('wr0ng')
    store.decline()
    expect(store.current()).toBeUndefined()
    void store.ask(undefined)
    expect(store.prompt).toEqual({ refused: false })
  })

  it('keeps, on a decline, a key given since the refused request went out', () => {
    const store = new AccessKeyStore(memoryStorage())
    store.answer('g00d')
    void store.ask(undefined)
    store.decline()
    expect(store.current()).toBe('g00d')
  })
})
