import { describe, expect, it } from 'vitest'
import { holdAccept, playCallEvent, voiceRecord } from './fake-voice.ts'
import { focused, pageHarness, startConversation } from './harness.ts'

const harness = pageHarness()

/** The page's window as this check uses it (the tests are typed without the DOM). */
interface PageWindow {
  getComputedStyle(element: unknown): { backgroundColor: string }
}

describe("the person's own microphone, muted", () => {
  it('is said in words and shown by a filled button that keeps its one name', async () => {
    const { page } = await harness.open()
    await startConversation(page)
    const mute = page.getByRole('button', { name: 'Mute microphone', exact: true })
    const fill = () =>
      mute.evaluate(
        (el) => (globalThis as unknown as PageWindow).getComputedStyle(el).backgroundColor,
      )
    const words = page
      .getByRole('region', { name: 'Your call' })
      .getByText('Your microphone is off')
    const unpressed = await fill()
    expect(await words.count()).toBe(0)

    await mute.click()
    await expect.poll(() => mute.getAttribute('aria-pressed')).toBe('true')
    expect(await words.isVisible()).toBe(true)
    expect(await fill()).not.toBe(unpressed)

    await mute.click()
    await expect.poll(() => mute.getAttribute('aria-pressed')).toBe('false')
    expect(await words.count()).toBe(0)
    expect(await fill()).toBe(unpressed)
  })

  it('can be muted while the call reconnects, the button keeping the keyboard', async () => {
    const { page } = await harness.open()
    await startConversation(page)
    const mute = page.getByRole('button', { name: 'Mute microphone', exact: true })
    await mute.focus()
    await playCallEvent(page, { type: 'reconnecting' })
    await page.getByRole('status').filter({ hasText: 'reconnecting' }).first().waitFor()
    expect(await focused(page)).toBe('Mute microphone')
    await page.keyboard.press('Enter')
    await expect.poll(async () => (await voiceRecord(page))?.mutes).toEqual([true])
    await expect.poll(() => mute.getAttribute('aria-pressed')).toBe('true')
  })

  it('is not pressed while the call is still connecting, and keeps the keyboard', async () => {
    const { page } = await harness.open()
    await holdAccept(page)
    await page.getByRole('button', { name: 'Start conversation' }).click()
    const mute = page.getByRole('button', { name: 'Mute microphone', exact: true })
    await mute.focus()
    expect(await mute.getAttribute('aria-disabled')).toBe('true')
    await page.keyboard.press('Enter')
    expect(await focused(page)).toBe('Mute microphone')
    expect((await voiceRecord(page))?.mutes).toEqual([])
  })
})
