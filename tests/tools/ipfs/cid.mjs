// The content ID `ipfs add` gives a file with its default settings, computed by the
// reference importer: prints the CIDv1 (base32) and the CIDv0 of the file named, one a line.
import { createReadStream } from 'node:fs'
import { MemoryBlockstore } from 'blockstore-core/memory'
import { importer } from 'ipfs-unixfs-importer'

const path = process.argv[2]
if (!path) {
  console.error('usage: node cid.mjs <file>')
  process.exit(2)
}

// The legacy `ipfs add` profile: CIDv0, dag-pb leaves of type file, 256 KiB chunks,
// balanced layout with 174 links a node.
const options = { profile: 'unixfs-v0-2015', cidVersion: 0, rawLeaves: false, leafType: 'file' }
let root
for await (const entry of importer([{ content: createReadStream(path) }], new MemoryBlockstore(), options)) {
  root = entry.cid
}
console.log(root.toV1().toString())
console.log(root.toString())
