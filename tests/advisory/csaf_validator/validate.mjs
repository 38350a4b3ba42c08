// Reference check of CSAF 2.0 documents with the BSI csaf-validator-lib: the strict schema test
// and every mandatory test of CSAF 2.0 section 6.1.
//
//   node validate.mjs < documents.json        (a JSON array of documents on stdin)
//   node validate.mjs a.json b.json           (one document per file)
//
// Prints one JSON array, a result per document, in input order:
//   {"isValid": bool, "errors": [{"test", "instancePath", "message"}]}
import fs from 'node:fs'
// validate.js rather than validateStrict.js: the strict one also loads the optional and
// informative tests (seconds of start-up) only to check that ours come from the library, which
// they do by construction.
import validate from '@secvisogram/csaf-validator-lib/validate.js'
import * as mandatory from '@secvisogram/csaf-validator-lib/mandatoryTests.js'
import { csaf_2_0_strict } from '@secvisogram/csaf-validator-lib/schemaTests.js'

const tests = [csaf_2_0_strict, ...Object.values(mandatory)]

function readDocuments() {
  const files = process.argv.slice(2)
  if (files.length > 0) {
    return files.map((file) => JSON.parse(fs.readFileSync(file, 'utf8')))
  }
  const documents = JSON.parse(fs.readFileSync(0, 'utf8'))
  if (!Array.isArray(documents)) {
    throw new Error('stdin must hold a JSON array of CSAF documents')
  }
  return documents
}

const results = []
for (const document of readDocuments()) {
  const outcome = await validate(tests, document)
  const errors = []
  for (const test of outcome.tests) {
    for (const error of test.errors) {
      errors.push({ test: test.name, instancePath: error.instancePath, message: error.message })
    }
  }
  results.push({ isValid: outcome.isValid, errors })
}
process.stdout.write(JSON.stringify(results) + '\n')
