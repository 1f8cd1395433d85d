// Runs the cases that test_js_evaluator.py wrote through expressions.js
// and prints each result in the canonical text form the test compares.
"use strict";
const fs = require("fs");
const path = require("path");

const X = require(path.join(
  __dirname, "..", "..", "static", "survey", "expressions.js",
));

// Text and code lists are handed in raw, so that stripping, empty lists
// and bad codes are dealt with where Python deals with them: on reading.
function raw(typed) {
  if (typed === null) return null;
  const [kind, payload] = typed;
  return kind === "text" || kind === "codes" ? payload : X.fromJson(typed);
}

function rawValues(typedValues) {
  const values = {};
  for (const [name, typed] of Object.entries(typedValues)) {
    values[name] = raw(typed);
  }
  return values;
}

function canonicalNumber(num) {
  if (num.integer) return "int:" + num.c;
  let c = num.c;
  let e = num.e;
  if (c === 0n) return "decimal:0";
  while (c % 10n === 0n) {
    c /= 10n;
    e += 1;
  }
  return "decimal:" + c + "e" + e;
}

function show(value) {
  if (value === null) return "null";
  if (typeof value === "boolean") return "bool:" + value;
  if (value instanceof X.Num) return canonicalNumber(value);
  if (typeof value === "string") return "text:" + value;
  if (value instanceof X.DateValue) return "date:" + value.iso;
  if (value instanceof X.CodeSet) {
    const codes = Array.from(value.codes).sort((a, b) => (a < b ? -1 : 1));
    return "codes:" + codes.join(",");
  }
  throw new Error("unexpected result " + String(value));
}

function attempt(run) {
  try {
    return run();
  } catch (error) {
    if (error instanceof X.EvaluationError) return "error";
    throw error;
  }
}

const input = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const params = X.paramsFromJson(input.params);
const expressions = input.expressions.map((c) => attempt(
  () => show(X.evaluate(c.tree, rawValues(c.values), params)),
));
const relevance = input.relevance.map((c) => {
  const skipLogic = input.forms[c.form];
  const found = X.relevantItems(
    skipLogic, rawValues(c.answers), rawValues(c.derived),
  );
  return Array.from(found).sort();
});
process.stdout.write(JSON.stringify({ expressions, relevance }));
