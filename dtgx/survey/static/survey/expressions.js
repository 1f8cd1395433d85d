/*
 * The form-condition language evaluated in the browser: the twin of
 * dtgx/questionnaires/expressions.py (evaluate) and relevance.py
 * (relevant_items), reading the trees that dtgx/questionnaires/export.py
 * writes. The semantics are the same, case by case, and a test runs both
 * on thousands of generated cases (test_js_evaluator.py):
 *
 * - missing is null; text is stripped of white space (Python's set) and
 *   blank text is missing; an empty code list is missing;
 * - comparisons, "in", arithmetic, len, selected and count_selected with a
 *   missing operand are missing; division by zero is missing;
 * - and / or / not are Kleene's, evaluated left to right with the same
 *   short cuts, so the same cases raise a type error;
 * - integers are exact (BigInt); a decimal takes part as Python's Decimal
 *   does, rounded half-even to 28 significant digits;
 * - at the top level a condition holds only if it is true.
 *
 * Values handed in: null, true/false, an integer Number or a BigInt, a
 * string, an Array of integer codes, decimal("1.5"), date("2025-06-30").
 * Works as a browser script (window.DtgxExpressions) and as a node module.
 */
(function (root, factory) {
  "use strict";
  const api = factory();
  if (typeof module === "object" && module.exports) {
    module.exports = api;
  } else {
    root.DtgxExpressions = api;
  }
})(this, function () {
  "use strict";

  const PRECISION = 28;
  const MAX_EXPONENT = 999999;
  // Python's str.strip() set: str.isspace() characters.
  const SPACE = "\\t\\n\\x0b\\x0c\\r\\x1c-\\x1f \\x85\\xa0\\u1680" +
    "\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
  const STRIP = new RegExp("^[" + SPACE + "]+|[" + SPACE + "]+$", "g");

  class EvaluationError extends Error {}

  // --- values -------------------------------------------------------------

  /** A number c × 10^e; ``integer`` tells a Python int from a Decimal. */
  class Num {
    constructor(coefficient, exponent, integer) {
      this.c = coefficient;
      this.e = exponent;
      this.integer = integer;
    }
  }

  class DateValue {
    constructor(iso) {
      if (!/^\d{4}-\d{2}-\d{2}$/.test(iso)) {
        throw new EvaluationError("not a date: " + iso);
      }
      this.iso = iso;
    }
  }

  class CodeSet {
    constructor(codes) {
      this.codes = codes; // a Set of BigInt
    }
  }

  function integer(value) {
    return new Num(BigInt(value), 0, true);
  }

  function decimal(text) {
    const match = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(
      String(text).trim().replace(/_/g, ""),
    );
    if (!match || (match[2] + (match[3] || "")) === "") {
      throw new EvaluationError("not a decimal: " + text);
    }
    const fraction = match[3] || "";
    let c = BigInt((match[2] + fraction) || "0");
    if (match[1] === "-") c = -c;
    return new Num(c, Number(match[4] || 0) - fraction.length, false);
  }

  function date(iso) {
    return new DateValue(iso);
  }

  function isInteger(value) {
    return (typeof value === "number" && Number.isInteger(value)) ||
      typeof value === "bigint";
  }

  /** The canonical form of a value (normalize_value in Python). */
  function normalize(value) {
    if (value === null || value === undefined) return null;
    if (typeof value === "boolean") return value;
    if (isInteger(value)) return integer(value);
    if (typeof value === "number" && Number.isFinite(value)) {
      return decimal(String(value));
    }
    if (value instanceof Num) return value;
    if (typeof value === "string") {
      const stripped = value.replace(STRIP, "");
      return stripped === "" ? null : stripped;
    }
    if (value instanceof DateValue) return value;
    if (value instanceof CodeSet) return value.codes.size ? value : null;
    if (Array.isArray(value) || value instanceof Set) return codeSet(value);
    throw new EvaluationError("unusable value");
  }

  function codeSet(values) {
    const codes = new Set();
    for (const code of values) {
      if (!isInteger(code)) {
        throw new EvaluationError("a code list holds integer codes only");
      }
      codes.add(BigInt(code));
    }
    return codes.size ? new CodeSet(codes) : null;
  }

  function isNumber(value) {
    return value instanceof Num;
  }

  // --- decimal arithmetic (Python's default context) -----------------------

  function digitCount(c) {
    return (c < 0n ? -c : c).toString().length;
  }

  function pow10(n) {
    return 10n ** BigInt(n);
  }

  /** Round c × 10^e to PRECISION digits, half to even; ``sticky`` says the
   * exact value lies a little beyond |c| (a division's remainder). */
  function rounded(c, e, sticky) {
    const negative = c < 0n;
    let magnitude = negative ? -c : c;
    const drop = digitCount(magnitude) - PRECISION;
    if (drop > 0) {
      const unit = pow10(drop);
      const rest = magnitude % unit;
      const half = unit / 2n;
      magnitude = magnitude / unit;
      const odd = magnitude % 2n === 1n;
      if (rest > half || (rest === half && (sticky || odd))) magnitude += 1n;
      e += drop;
    }
    if (magnitude !== 0n && digitCount(magnitude) - 1 + e > MAX_EXPONENT) {
      throw new EvaluationError("overflow");
    }
    return new Num(negative ? -magnitude : magnitude, e, false);
  }

  function aligned(a, b) {
    const e = Math.min(a.e, b.e);
    return [a.c * pow10(a.e - e), b.c * pow10(b.e - e), e];
  }

  function compareNumbers(a, b) {
    const [x, y] = aligned(a, b);
    return x < y ? -1 : x > y ? 1 : 0;
  }

  function add(a, b, sign) {
    const [x, y, e] = aligned(a, b);
    const sum = sign > 0 ? x + y : x - y;
    if (a.integer && b.integer) return new Num(sum, 0, true);
    return rounded(sum, e, false);
  }

  function multiply(a, b) {
    if (a.integer && b.integer) return new Num(a.c * b.c, 0, true);
    return rounded(a.c * b.c, a.e + b.e, false);
  }

  function divide(a, b) {
    if (b.c === 0n) return null; // SQL: a / NULLIF(b, 0)
    const x = a.c < 0n ? -a.c : a.c;
    const y = b.c < 0n ? -b.c : b.c;
    const shift = Math.max(0, PRECISION + 1 + digitCount(y) - digitCount(x));
    const scaled = x * pow10(shift);
    let quotient = scaled / y;
    const remainder = scaled % y;
    if ((a.c < 0n) !== (b.c < 0n)) quotient = -quotient;
    return rounded(quotient, a.e - b.e - shift, remainder !== 0n);
  }

  function negate(a) {
    if (a.integer) return new Num(-a.c, 0, true);
    return rounded(-a.c, a.e, false);
  }

  // --- comparisons ---------------------------------------------------------

  function compareText(a, b) {
    const x = Array.from(a, (ch) => ch.codePointAt(0));
    const y = Array.from(b, (ch) => ch.codePointAt(0));
    for (let i = 0; i < Math.min(x.length, y.length); i++) {
      if (x[i] !== y[i]) return x[i] < y[i] ? -1 : 1;
    }
    return x.length - y.length;
  }

  function order(left, right, op) {
    if (isNumber(left) && isNumber(right)) return compareNumbers(left, right);
    if (typeof left === "boolean" && typeof right === "boolean") {
      if (op === "==" || op === "!=") return left === right ? 0 : 1;
    } else if (typeof left === "string" && typeof right === "string") {
      return compareText(left, right);
    } else if (left instanceof DateValue && right instanceof DateValue) {
      return left.iso < right.iso ? -1 : left.iso > right.iso ? 1 : 0;
    }
    throw new EvaluationError("cannot compare these values");
  }

  function compare(op, left, right) {
    if (left === null || right === null) return null;
    const sign = order(left, right, op);
    switch (op) {
      case "==": return sign === 0;
      case "!=": return sign !== 0;
      case "<": return sign < 0;
      case "<=": return sign <= 0;
      case ">": return sign > 0;
      case ">=": return sign >= 0;
    }
    throw new EvaluationError("unknown comparison " + op);
  }

  function arithmetic(op, left, right) {
    if (left === null || right === null) return null;
    if (!isNumber(left) || !isNumber(right)) {
      throw new EvaluationError("arithmetic needs numbers");
    }
    switch (op) {
      case "+": return add(left, right, 1);
      case "-": return add(left, right, -1);
      case "*": return multiply(left, right);
      case "/": return divide(left, right);
    }
    throw new EvaluationError("unknown operator " + op);
  }

  // --- evaluation ----------------------------------------------------------

  /** A typed pair of export.py as a value (params and constants). */
  function fromJson(data) {
    if (data === null) return null;
    const [kind, payload] = data;
    switch (kind) {
      case "bool": return payload;
      case "int": return integer(payload);
      case "decimal": return decimal(payload);
      case "text": return payload;
      case "date": return date(payload);
      case "codes": return codeSet(payload);
      case "range": return [fromJson(payload[0]), fromJson(payload[1])];
    }
    throw new EvaluationError("unknown value type " + kind);
  }

  function paramsFromJson(data) {
    const params = new Map();
    for (const [name, value] of Object.entries(data || {})) {
      params.set(name, fromJson(value));
    }
    return params;
  }

  class Evaluation {
    constructor(values, params) {
      this.values = values;
      this.params = params;
    }

    run(node) {
      switch (node.node) {
        case "constant": return fromJson(node.value);
        case "name": return normalize(this.lookup(node.id));
        case "param": return this.scalarParam(node.name);
        case "not": {
          const result = this.boolean(node.operand);
          return result === null ? null : !result;
        }
        case "negative": {
          const value = this.run(node.operand);
          if (value === null) return null;
          if (!isNumber(value)) throw new EvaluationError("negate a number");
          return negate(value);
        }
        case "and": return this.kleene(node.operands, false);
        case "or": return this.kleene(node.operands, true);
        case "compare":
          return compare(node.op, this.run(node.left), this.run(node.right));
        case "in": return this.membership(node);
        case "arithmetic":
          return arithmetic(node.op, this.run(node.left), this.run(node.right));
        case "call": return this.call(node.function, node.args);
      }
      throw new EvaluationError("unknown node " + node.node);
    }

    lookup(name) {
      return Object.prototype.hasOwnProperty.call(this.values, name)
        ? this.values[name]
        : null;
    }

    boolean(node) {
      const result = this.run(node);
      if (result === null || typeof result === "boolean") return result;
      throw new EvaluationError("not a condition");
    }

    /** and (decisive = false) / or (decisive = true), stopping early. */
    kleene(operands, decisive) {
      let sawMissing = false;
      for (const operand of operands) {
        const result = this.boolean(operand);
        if (result === decisive) return decisive;
        sawMissing = sawMissing || result === null;
      }
      return sawMissing ? null : !decisive;
    }

    membership(node) {
      const value = this.run(node.operand);
      if (value === null) return null;
      let found = false;
      for (const choice of node.choices) {
        if (compare("==", value, this.run(choice))) {
          found = true;
          break;
        }
      }
      return found !== node.negated;
    }

    param(name) {
      if (!this.params.has(name)) {
        throw new EvaluationError("unknown parameter " + name);
      }
      return this.params.get(name);
    }

    scalarParam(name) {
      const value = this.param(name);
      if (Array.isArray(value)) throw new EvaluationError("range parameter");
      return value;
    }

    call(fn, args) {
      switch (fn) {
        case "answered": return this.run(args[0]) !== null;
        case "missing": return this.run(args[0]) === null;
        case "coalesce":
          for (const arg of args) {
            const value = this.run(arg);
            if (value !== null) return value;
          }
          return null;
        case "between": return this.between(args);
      }
      return this.measure(fn, this.run(args[0]), args);
    }

    between(args) {
      const value = this.run(args[0]);
      let low;
      let high;
      if (args.length === 2 && args[1].node === "param") {
        const range = this.param(args[1].name);
        if (!Array.isArray(range)) throw new EvaluationError("not a range");
        [low, high] = range;
      } else {
        low = this.run(args[1]);
        high = this.run(args[2]);
      }
      const results = [compare(">=", value, low), compare("<=", value, high)];
      if (results.includes(false)) return false;
      return results.includes(null) ? null : true;
    }

    measure(fn, value, args) {
      if (value === null) return null;
      if (fn === "len" && typeof value === "string") {
        return integer(Array.from(value).length);
      }
      if (fn === "count_selected" && value instanceof CodeSet) {
        return integer(value.codes.size);
      }
      const code = args[args.length - 1];
      if (fn === "selected" && code.node === "constant" &&
          value instanceof CodeSet) {
        return value.codes.has(fromJson(code.value).c);
      }
      throw new EvaluationError(fn + "() cannot take this value");
    }
  }

  /** Evaluate a tree; ``params`` is a Map from paramsFromJson. */
  function evaluate(tree, values, params) {
    return new Evaluation(values, params || new Map()).run(tree);
  }

  function truthy(result) {
    return result === true;
  }

  /**
   * The ids of the items that apply (relevance.relevant_items): items are
   * decided in ``skipLogic.order``; an item that does not apply reads as
   * missing in the conditions decided after it. ``answers`` must already
   * hold values of each item's type (the entry screen parses its inputs).
   */
  function relevantItems(skipLogic, answers, derived, params) {
    const visible = Object.assign({}, derived, answers);
    const relevant = new Set();
    const known = params || paramsFromJson(skipLogic.params);
    for (const id of skipLogic.order) {
      const conditions = skipLogic.conditions[id] || [];
      const holds = conditions.every(
        (tree) => truthy(evaluate(tree, visible, known)),
      );
      if (holds) relevant.add(id);
      else visible[id] = null;
    }
    return relevant;
  }

  return {
    CodeSet,
    DateValue,
    EvaluationError,
    Num,
    date,
    decimal,
    evaluate,
    fromJson,
    integer,
    normalize,
    paramsFromJson,
    relevantItems,
    truthy,
  };
});
