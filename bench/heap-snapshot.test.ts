import { describe, expect, it } from 'vitest'
import { type HeapSnapshot, machineCode } from './heap-snapshot.ts'

/** A node of the tiny heaps below: its name, size and edges (to other nodes, by index). */
interface TestNode {
  type: string
  name: string
  size?: number
  edges?: [type: string, name: string | number, to: number][]
}

const NODE_TYPES = ['hidden', 'code', 'closure', 'object']
const EDGE_TYPES = ['internal', 'hidden', 'element', 'property']
const NODE_FIELDS = ['type', 'name', 'id', 'self_size', 'edge_count']
const EDGE_FIELDS = ['type', 'name_or_index', 'to_node']

/** Writes nodes in V8's flat format: edges in node order, `to_node` as an offset into `nodes`. */
function snapshot(list: TestNode[]): HeapSnapshot {
  const strings: string[] = []
  const string = (text: string): number => {
    const at = strings.indexOf(text)
    return at >= 0 ? at : strings.push(text) - 1
  }
  const nodes: number[] = []
  const edges: number[] = []
  list.forEach((node, id) => {
    const edgeList = node.edges ?? []
    nodes.push(
      NODE_TYPES.indexOf(node.type),
      string(node.name),
      id,
      node.size ?? 0,
      edgeList.length,
    )
    for (const [type, name, to] of edgeList) {
      edges.push(
        EDGE_TYPES.indexOf(type),
        typeof name === 'number' ? name : string(name),
        to * NODE_FIELDS.length,
      )
    }
  })
  return {
    snapshot: {
      meta: {
        node_fields: NODE_FIELDS,
        node_types: [NODE_TYPES],
        edge_fields: EDGE_FIELDS,
        edge_types: [EDGE_TYPES],
      },
    },
    nodes,
    edges,
    strings,
  }
}

const STREAM = 'system / InstructionStream'
const CODE = 'system / Code'

describe('machineCode', () => {
  it('names each tier and the function its code runs', () => {
    const heap = snapshot([
      // 0-2: `frame`'s Sparkplug code, on its shared function info.
      {
        type: 'code',
        name: 'system / SharedFunctionInfo / frame',
        edges: [['internal', 'trusted_function_data', 1]],
      },
      { type: 'code', name: CODE, edges: [['internal', 'instruction_stream', 2]] },
      { type: 'code', name: STREAM, size: 300 },
      // 3-5: `handle`'s optimized code, which its closure runs.
      { type: 'closure', name: 'handle', edges: [['internal', 'code', 4]] },
      { type: 'code', name: CODE, edges: [['internal', 'instruction_stream', 5]] },
      { type: 'code', name: STREAM, size: 200 },
      // 6-8: a regular expression's code, held by a numbered edge.
      { type: 'code', name: 'system / IrRegExpData', edges: [['hidden', 3, 7]] },
      { type: 'code', name: CODE, edges: [['internal', 'instruction_stream', 8]] },
      { type: 'code', name: STREAM, size: 50 },
      // 9-11: an anonymous function's Sparkplug code, also what its closure runs now.
      {
        type: 'code',
        name: 'system / SharedFunctionInfo',
        edges: [['internal', 'trusted_function_data', 10]],
      },
      { type: 'code', name: CODE, edges: [['internal', 'instruction_stream', 11]] },
      { type: 'code', name: STREAM, size: 40 },
      { type: 'closure', name: '', edges: [['internal', 'code', 10]] },
      // 13-14: code only a handle scope holds.
      { type: 'hidden', name: '(Handle scope)', edges: [['hidden', 0, 14]] },
      { type: 'code', name: CODE, edges: [['internal', 'instruction_stream', 15]] },
      { type: 'code', name: STREAM, size: 10 },
      // Not machine code at all.
      { type: 'object', name: 'Object', size: 999 },
    ])
    expect(machineCode(heap)).toEqual([
      { tier: 'baseline', name: 'frame', bytes: 300 },
      { tier: 'optimized', name: 'handle', bytes: 200 },
      { tier: 'regexp', name: 'regexp', bytes: 50 },
      { tier: 'baseline', name: '', bytes: 40 },
      { tier: 'other', name: 'other', bytes: 10 },
    ])
  })
})
