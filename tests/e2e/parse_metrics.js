'use strict';
// Parses a Prometheus text exposition (the file named by argv[2]) with the
// npm package parse-prometheus-text-format and prints the families as JSON
// on stdout: [{name, help, type, metrics: [...]}]. Exits 1 when it throws.
const fs = require('node:fs');
const parse = require('parse-prometheus-text-format');

try {
  const text = fs.readFileSync(process.argv[2], 'utf8');
  process.stdout.write(JSON.stringify(parse(text)));
} catch (e) {
  process.stderr.write(`parse-prometheus-text-format: ${e.message}\n`);
  process.exit(1);
}
