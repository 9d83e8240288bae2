// Independent EIP-7928 block access list encoding for ParallelExec's differential tests, using ethereumjs.
//
// stdin: a JSON array of cases, each { "json": <access list in JSON form>, "rlp": "0x<RLP>" }.
// stdout: a JSON array with, per case,
//   { "jsonHash": hash of the list parsed from "json", "jsonRlp": its RLP,
//     "rlpHash": hash of the list decoded from "rlp", "rlpRoundTrip": its RLP re-encoded,
//     "rlpJson": its JSON form (ethereumjs's toJSON) }
import {
  bytesToHex,
  createBlockLevelAccessListFromJSON,
  createBlockLevelAccessListFromRLP,
  hexToBytes,
} from '@ethereumjs/util'

async function readStdin() {
  const chunks = []
  for await (const chunk of process.stdin) chunks.push(chunk)
  return Buffer.concat(chunks).toString('utf8')
}

const cases = JSON.parse(await readStdin())
const results = cases.map((testCase) => {
  const fromJson = createBlockLevelAccessListFromJSON(testCase.json)
  const fromRlp = createBlockLevelAccessListFromRLP(hexToBytes(testCase.rlp))
  return {
    jsonHash: bytesToHex(fromJson.hash()),
    jsonRlp: bytesToHex(fromJson.serialize()),
    rlpHash: bytesToHex(fromRlp.hash()),
    rlpRoundTrip: bytesToHex(fromRlp.serialize()),
    rlpJson: fromRlp.toJSON(),
  }
})
process.stdout.write(JSON.stringify(results) + '\n')
