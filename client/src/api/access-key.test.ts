import { describe, expect, it } from 'vitest'
import { AccessKeyStore, type KeyStorage } from './access-key.ts'

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
    const prompts: (string | undefined)[] = []
    store.subscribe((prompt) => prompts.push(prompt?.reason))
    const first = store.ask('needs the key')
    const second = store.ask('needs the key')
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
    const waiting = store.ask('needs the key')
    store.decline()
    expect(await waiting).toBe(false)
  })
})
