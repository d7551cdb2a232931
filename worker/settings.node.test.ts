import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { SETTINGS } from './settings.ts'

const read = (path: string) => readFileSync(new URL(`../${path}`, import.meta.url), 'utf8')

describe('the settings table and the documents an operator reads', () => {
  const names = Object.keys(SETTINGS)

  it('.dev.vars.example offers every setting, and nothing the worker does not read', () => {
    const offered = [...read('.dev.vars.example').matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map(
      ([, name]) => name,
    )
    expect(offered.toSorted()).toEqual(names.toSorted())
  })

  it("the README's configuration table names every setting", () => {
    const readme = read('README.md')
    const table = readme.slice(readme.indexOf('## Configuration'), readme.indexOf('### Real calls'))
    expect(names.filter((name) => !table.includes(`\`${name}\``))).toEqual([])
  })
})

describe('the settings table', () => {
  it('says, for every optional setting, what is done while its value is invalid', () => {
    const unsaid = Object.entries(SETTINGS)
      .filter(([, spec]) => !spec.required && !spec.whileInvalid)
      .map(([name]) => name)
    expect(unsaid).toEqual([])
  })
})
