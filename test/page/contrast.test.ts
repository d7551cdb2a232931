import type { Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { pageHarness, startConversation } from './harness.ts'

const harness = pageHarness()

/** WCAG 2's contrast ratio of two sRGB colours, as the browser computes them: `rgb(r, g, b)`. */
function contrast(a: string, b: string): number {
  const [la, lb] = [luminance(a), luminance(b)]
  return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05)
}

function luminance(color: string): number {
  const rgb = /^rgba?\((\d+), (\d+), (\d+)/.exec(color)?.slice(1).map(Number)
  if (rgb?.length !== 3) throw new Error(`not a computed colour: ${color}`)
  const [r, g, b] = rgb.map((v) => {
    const c = v / 255
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4
  }) as [number, number, number]
  return 0.2126 * r + 0.7152 * g + 0.0722 * b
}

/** The page's window as these checks use it (the tests are typed without the DOM). */
interface PageWindow {
  getComputedStyle(
    element: unknown,
    pseudo?: string,
  ): {
    color: string
    backgroundColor: string
    borderTopColor: string
  }
  document: {
    body: { appendChild<T>(node: T): T }
    createElement(tag: string): { style: { color: string }; remove(): void }
  }
}

/** A custom property of the page's stylesheet, as the colour it computes to. */
const variable = (page: Page, name: string) =>
  page.evaluate((n) => {
    const { document, getComputedStyle } = globalThis as unknown as PageWindow
    const probe = document.body.appendChild(document.createElement('span'))
    probe.style.color = `var(${n})`
    const color = getComputedStyle(probe).color
    probe.remove()
    return color
  }, name)

describe('colours', () => {
  for (const scheme of ['light', 'dark'] as const) {
    it(`keeps text on filled buttons and field borders readable in the ${scheme} scheme`, async () => {
      const { page } = await harness.open()
      await page.emulateMedia({ colorScheme: scheme })
      const start = page.getByRole('button', { name: 'Start conversation' })
      await start.waitFor()
      const button = await start.evaluate((el) => {
        const style = (globalThis as unknown as PageWindow).getComputedStyle(el)
        return { color: style.color, background: style.backgroundColor }
      })
      // WCAG 1.4.3: 4.5:1 for text; 1.4.11: 3:1 for what shows a field's edge.
      expect(contrast(button.color, button.background)).toBeGreaterThanOrEqual(4.5)
      const onFill = await variable(page, '--on-fill')
      expect(contrast(onFill, await variable(page, '--bad'))).toBeGreaterThanOrEqual(4.5)
      const field = await page
        .locator('input')
        .first()
        .evaluate((el) => (globalThis as unknown as PageWindow).getComputedStyle(el).borderTopColor)
      expect(contrast(field, await variable(page, '--card'))).toBeGreaterThanOrEqual(3)
      expect(contrast(field, await variable(page, '--bg'))).toBeGreaterThanOrEqual(3)
      // An example number in a field is text too.
      const placeholder = await page
        .locator('input[placeholder]')
        .first()
        .evaluate(
          (el) => (globalThis as unknown as PageWindow).getComputedStyle(el, '::placeholder').color,
        )
      expect(contrast(placeholder, await variable(page, '--bg'))).toBeGreaterThanOrEqual(4.5)
    })

    it(`shows a muted microphone readably in the ${scheme} scheme`, async () => {
      const { page } = await harness.open()
      await page.emulateMedia({ colorScheme: scheme })
      await startConversation(page)
      const mute = page.getByRole('button', { name: 'Mute microphone' })
      await mute.click()
      const words = page.getByText('Your microphone is off')
      await words.waitFor()
      const card = await variable(page, '--card')
      for (const filled of [mute, words]) {
        const { color, background } = await filled.evaluate((el) => {
          const style = (globalThis as unknown as PageWindow).getComputedStyle(el)
          return { color: style.color, background: style.backgroundColor }
        })
        expect(contrast(color, background)).toBeGreaterThanOrEqual(4.5)
        // The fill is what shows the state: it must stand out from the call bar's card.
        expect(contrast(background, card)).toBeGreaterThanOrEqual(3)
      }
    })
  }
})
