/**
 * Reading V8 heap snapshots (the DevTools format: flat arrays of nodes and edges,
 * described by the snapshot's `meta`) for bench/bridge-profile.ts.
 */

export interface HeapSnapshot {
  snapshot: {
    meta: {
      node_fields: string[]
      node_types: [string[], ...unknown[]]
      edge_fields: string[]
      edge_types: [string[], ...unknown[]]
    }
  }
  nodes: number[]
  edges: number[]
  strings: string[]
}

export type CodeTier = 'baseline' | 'optimized' | 'regexp' | 'other'

export interface MachineCode {
  tier: CodeTier
  /** The function's name, '' for an anonymous one; the tier's name for the rest. */
  name: string
  bytes: number
}

/**
 * The snapshot's machine code (its `InstructionStream` objects), each with the tier that
 * made it and the function it runs. V8 hangs a function's Sparkplug code on its shared
 * function info (`trusted_function_data`) and points the closure's `code` at whatever
 * runs it (that, or Maglev's or TurboFan's); a regular expression's code hangs on its data.
 */
export function machineCode({ snapshot, nodes, edges, strings }: HeapSnapshot): MachineCode[] {
  const nodeFields = snapshot.meta.node_fields
  const edgeFields = snapshot.meta.edge_fields
  const [edgeTypes] = snapshot.meta.edge_types
  const [nodeName, edgeCount] = [nodeFields.indexOf('name'), nodeFields.indexOf('edge_count')]
  const [edgeType, edgeName, edgeTo] = ['type', 'name_or_index', 'to_node'].map((f) =>
    edgeFields.indexOf(f),
  ) as [number, number, number]
  const selfSize = nodeFields.indexOf('self_size')
  const width = nodeFields.length
  const nameOf = (node: number): string => strings[nodes[node + nodeName] ?? -1] ?? ''
  // Who points at each node, by edge name: the snapshot only lists edges forwards.
  const retainers = new Map<number, { from: number; edge: string }[]>()
  let edge = 0
  for (let node = 0; node < nodes.length; node += width) {
    for (let k = 0; k < (nodes[node + edgeCount] ?? 0); k++, edge += edgeFields.length) {
      const type = edgeTypes[edges[edge + edgeType] ?? -1]
      // Element and hidden edges are numbered, not named.
      const numbered = type === 'element' || type === 'hidden'
      const name = numbered ? '' : (strings[edges[edge + edgeName] ?? -1] ?? '')
      const to = edges[edge + edgeTo] ?? -1
      const list = retainers.get(to) ?? []
      list.push({ from: node, edge: name })
      retainers.set(to, list)
    }
  }
  const found: MachineCode[] = []
  for (let node = 0; node < nodes.length; node += width) {
    if (nameOf(node) !== 'system / InstructionStream') continue
    const bytes = nodes[node + selfSize] ?? 0
    const code = retainers.get(node)?.find(({ edge }) => edge === 'instruction_stream')?.from
    const holders = code === undefined ? [] : (retainers.get(code) ?? [])
    const sfi = holders.find(({ edge }) => edge === 'trusted_function_data')
    const closure = holders.find(
      ({ from, edge }) => edge === 'code' && !nameOf(from).startsWith('system /'),
    )
    if (sfi) {
      const name = nameOf(sfi.from).replace(/^system \/ SharedFunctionInfo( \/ )?/, '')
      found.push({ tier: 'baseline', name, bytes })
    } else if (closure) found.push({ tier: 'optimized', name: nameOf(closure.from), bytes })
    else if (holders.some(({ from }) => nameOf(from).includes('RegExpData'))) {
      found.push({ tier: 'regexp', name: 'regexp', bytes })
    } else found.push({ tier: 'other', name: 'other', bytes })
  }
  return found
}
