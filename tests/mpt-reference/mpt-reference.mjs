// Independent Merkle Patricia Trie roots for ParallelExec's differential tests, using ethereumjs.
//
// stdin: a JSON array of cases, each
//   { "secure": false, "ops": [ ["put", "0x<key>", "0x<value>"], ["del", "0x<key>"], ["root"], ... ] }
// "secure": true hashes every key with keccak256 (Ethereum's account and storage tries).
// stdout: a JSON array with, per case, the list of roots ("0x..."): one for each ["root"] op,
// then the final root.
import { createMPT } from '@ethereumjs/mpt'

function hexToBytes(hex) {
  if (typeof hex !== 'string' || !hex.startsWith('0x') || hex.length % 2 !== 0) {
    throw new Error(`not 0x-prefixed even-length hex: ${hex}`)
  }
  return Uint8Array.from(Buffer.from(hex.slice(2), 'hex'))
}

const toHex = (bytes) => '0x' + Buffer.from(bytes).toString('hex')

async function readStdin() {
  const chunks = []
  for await (const chunk of process.stdin) chunks.push(chunk)
  return Buffer.concat(chunks).toString('utf8')
}

async function run(testCase) {
  const trie = await createMPT({ useKeyHashing: testCase.secure === true })
  const roots = []
  for (const op of testCase.ops) {
    switch (op[0]) {
      case 'put':
        await trie.put(hexToBytes(op[1]), hexToBytes(op[2]))
        break
      case 'del':
        await trie.del(hexToBytes(op[1]))
        break
      case 'root':
        roots.push(toHex(trie.root()))
        break
      default:
        throw new Error(`unknown operation ${JSON.stringify(op)}`)
    }
  }
  roots.push(toHex(trie.root()))
  return roots
}

const cases = JSON.parse(await readStdin())
const results = []
for (const testCase of cases) results.push(await run(testCase))
process.stdout.write(JSON.stringify(results) + '\n')
