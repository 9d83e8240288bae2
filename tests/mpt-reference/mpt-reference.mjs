// Independent Merkle Patricia Trie roots for ParallelExec's differential tests, using ethereumjs.
//
// stdin: a JSON array of cases, each
//   { "secure": false, "ops": [ ["put", "0x<key>", "0x<value>"], ["del", "0x<key>"], ["root"], ... ] }
// "secure": true hashes every key with keccak256 (Ethereum's account and storage tries).
// stdout: a JSON array with, per case, the list of roots ("0x..."): one for each ["root"] op,
// then the final root.
//
// `node mpt-reference.mjs post-root` updates a state from a witness's nodes alone instead (a witness
// holds enough for the post-state root only if this works).
// stdin: a JSON array of cases, each { "stateRoot": "0x...", "nodes": ["0x<rlp>", ...],
//          "storage": [ { "root": "0x<pre storage root>", "ops": [["put", "0x<slot>", "0x<rlp value>"] | ["del", "0x<slot>"], ...] }, ... ],
//          "accounts": [["put", "0x<address>", "0x<account rlp>"] | ["del", "0x<address>"], ...] }
// stdout: a JSON array with, per case, { "storageRoots": ["0x...", ...], "root": "0x..." }, or
// { "error" } when a node is missing.
// Every trie starts with only the witness's nodes in its database, keys are hashed here.
//
// `node mpt-reference.mjs verify-proofs` checks eth_getProof results instead.
// stdin: { "stateRoot": "0x...", "proofs": [ { "address", "accountProof": ["0x<rlp>", ...],
//          "storageProof": [ { "key": "0x<32 bytes>", "proof": ["0x<rlp>", ...] }, ... ] }, ... ] }
// stdout: a JSON array with, per proof, what ethereumjs proved from the nodes alone: { "account":
// null (proven absent) or { nonce, balance, storageHash, codeHash } decoded from the proven leaf,
// "storage": [ value ("0x" + RLP-decoded bytes) or null (proven absent), ... ] }, or { "error" }
// when a proof does not verify. Keys are hashed here (keccak256), storage proofs are checked
// against the proven account's storage root (the empty root for an absent account); an empty
// proof stands for the empty trie (geth gives one for a slot of an account without storage).
import { createMPT, verifyMerkleProof } from '@ethereumjs/mpt'
import { RLP } from '@ethereumjs/rlp'

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

const EMPTY_ROOT = '0x56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421'

async function verify(stateRoot, proof) {
  let what = 'account proof'
  // The empty trie has no node to show: its proof is empty (as geth gives it), and proves every key absent.
  const prove = async (root, key, nodes) => {
    if (root === EMPTY_ROOT && nodes.length === 0) return null
    return verifyMerkleProof(hexToBytes(key), nodes.map(hexToBytes), { root: hexToBytes(root), useKeyHashing: true })
  }
  try {
    const leaf = await prove(stateRoot, proof.address, proof.accountProof)
    let account = null
    if (leaf !== null) {
      const [nonce, balance, storageHash, codeHash] = RLP.decode(leaf)
      account = { nonce: toHex(nonce), balance: toHex(balance), storageHash: toHex(storageHash), codeHash: toHex(codeHash) }
    }
    const storageRoot = account === null ? EMPTY_ROOT : account.storageHash
    const storage = []
    for (const slot of proof.storageProof) {
      what = `storage proof of ${slot.key} (storage root ${storageRoot})`
      const value = await prove(storageRoot, slot.key, slot.proof)
      storage.push(value === null ? null : toHex(RLP.decode(value)))
    }
    return { account, storage }
  } catch (e) {
    return { error: `${what}: ${String(e.message ?? e)}` }
  }
}

async function postRoot(input) {
  const loaded = async (root) => {
    const trie = await createMPT({ useKeyHashing: true })
    const puts = input.nodes.map((node) => ({ type: 'put', key: Uint8Array.from(trie['hash'](hexToBytes(node))), value: hexToBytes(node) }))
    await trie['_db'].batch(puts)
    trie.root(hexToBytes(root))
    return trie
  }
  const apply = async (trie, ops) => {
    for (const op of ops) {
      if (op[0] === 'put') await trie.put(hexToBytes(op[1]), hexToBytes(op[2]))
      else if (op[0] === 'del') await trie.del(hexToBytes(op[1]))
      else throw new Error(`unknown operation ${JSON.stringify(op)}`)
    }
    return toHex(trie.root())
  }
  try {
    const storageRoots = []
    for (const storage of input.storage) storageRoots.push(await apply(await loaded(storage.root), storage.ops))
    return { storageRoots, root: await apply(await loaded(input.stateRoot), input.accounts) }
  } catch (e) {
    return { error: String(e.message ?? e) }
  }
}

const input = JSON.parse(await readStdin())
const results = []
if (process.argv[2] === 'post-root') {
  for (const c of input) results.push(await postRoot(c))
} else if (process.argv[2] === 'verify-proofs') {
  for (const proof of input.proofs) results.push(await verify(input.stateRoot, proof))
} else {
  for (const testCase of input) results.push(await run(testCase))
}
process.stdout.write(JSON.stringify(results) + '\n')
