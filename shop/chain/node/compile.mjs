// Compiles every Solidity source in shop/chain/contracts/ with the pinned solc (solc-js from
// the npm registry) and writes shop/chain/contracts/build/<Contract>.json: {abi, bytecode}.
//   node shop/chain/node/compile.mjs           writes the build files
//   node shop/chain/node/compile.mjs --check   exits 1 when a build file differs from a fresh compile
import { readFileSync, readdirSync, writeFileSync, mkdirSync, existsSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const solc = require("solc");
const here = dirname(fileURLToPath(import.meta.url));
const contracts = join(here, "..", "contracts");
const build = join(contracts, "build");

const sources = {};
for (const name of readdirSync(contracts).filter((file) => file.endsWith(".sol")).sort()) {
  sources[name] = { content: readFileSync(join(contracts, name), "utf8") };
}
const input = {
  language: "Solidity",
  sources,
  settings: {
    optimizer: { enabled: true, runs: 200 },
    evmVersion: "paris",
    outputSelection: { "*": { "*": ["abi", "evm.bytecode.object"] } },
  },
};
const output = JSON.parse(solc.compile(JSON.stringify(input)));
const errors = (output.errors || []).filter((error) => error.severity === "error");
if (errors.length) {
  for (const error of errors) console.error(error.formattedMessage);
  process.exit(2);
}
const check = process.argv.includes("--check");
let differs = false;
mkdirSync(build, { recursive: true });
for (const [file, compiled] of Object.entries(output.contracts || {})) {
  for (const [name, contract] of Object.entries(compiled)) {
    const text = JSON.stringify(
      { contract: name, source: file, compiler: solc.version(), abi: contract.abi, bytecode: "0x" + contract.evm.bytecode.object },
      null,
      1,
    ) + "\n";
    const path = join(build, `${name}.json`);
    if (check) {
      if (!existsSync(path) || readFileSync(path, "utf8") !== text) {
        console.error(`${path} differs from a fresh compile of ${file}`);
        differs = true;
      }
    } else {
      writeFileSync(path, text);
    }
  }
}
process.exit(differs ? 1 : 0);
