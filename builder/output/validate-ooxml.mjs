// Validate .docx files with Microsoft's Open XML SDK (npm package @ooxml-tools/validate,
// which bundles the SDK as WebAssembly), all in one process: the SDK starts once.
//   node validate-ooxml.mjs PACKAGE_DIR OFFICE_VERSION FILE.docx ...   (run by builder/output/validate.py)
// PACKAGE_DIR is the folder of @ooxml-tools/validate (budgetdoc validate says where it looks).
// Prints {"FILE.docx": [errors…], …} as JSON; an error has description, path.xpath, path.partUri, id.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";

const [packageDir, officeVersion, ...files] = process.argv.slice(2);
const module = await import(pathToFileURL(path.join(packageDir, "dist", "npm", "index.js")).href);
const validate = module.default;
const results = {};
for (const file of files) {
  const data = new Uint8Array(await readFile(file));
  results[file] = await validate(data, "docx", officeVersion);
}
process.stdout.write(JSON.stringify(results) + "\n");
process.exit(0);
